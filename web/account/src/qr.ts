import { create } from 'qrcode';

const SVG_NS = 'http://www.w3.org/2000/svg';
const QUIET_ZONE = 4;

/**
 * The otpauth URI as an SVG QR code, drawn here in the page: the secret never leaves it (no image
 * service), and no inline style is needed under the pages' CSP.
 */
export function qrCodeSvg(text: string, label: string): SVGSVGElement {
  const { modules } = create(text, { errorCorrectionLevel: 'M' });
  const size = modules.size + QUIET_ZONE * 2;
  let path = '';
  for (let row = 0; row < modules.size; row += 1) {
    for (let col = 0; col < modules.size; col += 1) {
      if (modules.get(row, col)) path += `M${col + QUIET_ZONE} ${row + QUIET_ZONE}h1v1h-1z`;
    }
  }
  const svg = document.createElementNS(SVG_NS, 'svg');
  svg.setAttribute('viewBox', `0 0 ${size} ${size}`);
  svg.setAttribute('role', 'img');
  svg.setAttribute('aria-label', label);
  svg.setAttribute('class', 'qr');
  const background = document.createElementNS(SVG_NS, 'rect');
  background.setAttribute('width', String(size));
  background.setAttribute('height', String(size));
  background.setAttribute('fill', '#fff');
  const dots = document.createElementNS(SVG_NS, 'path');
  dots.setAttribute('d', path);
  dots.setAttribute('fill', '#000');
  svg.append(background, dots);
  return svg;
}
