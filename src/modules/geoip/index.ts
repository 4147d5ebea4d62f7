export { createGeoLocator, type Location } from './geo-locator.service';
export { createGeoIpUpdater } from './geoip-updater.service';
