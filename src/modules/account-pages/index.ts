export { defaultBundleDir } from './account-pages.bundle';
export { createAccountPagesRouter } from './account-pages.routes';
