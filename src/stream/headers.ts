// The two fixed headers at the start of a stream: image header (big-endian) and
// domain header (little-endian).
import { StreamError, hex } from './errors.js';
import {
  DHDR_OFF_PAGE_SHIFT, DHDR_OFF_RES16, DHDR_OFF_TYPE, DHDR_OFF_XEN_MAJOR, DHDR_OFF_XEN_MINOR,
  DHDR_PAGE_SHIFT, DHDR_TYPE_X86_HVM, IHDR_ID_HBFZ, IHDR_ID_XEN, IHDR_MARKER, IHDR_OFF_ID,
  IHDR_OFF_MARKER, IHDR_OFF_OPTIONS, IHDR_OFF_RES16, IHDR_OFF_RES32, IHDR_OFF_VERSION,
  IHDR_OPT_BIG_ENDIAN, IHDR_SIZE, IHDR_VERSION,
} from './records.js';

export interface ImageHeader {
  readonly version: number;
  readonly compressed: boolean;
}

export interface StreamHeaderInfo extends ImageHeader {
  readonly domainType: number;
  readonly xenMajor: number;
  readonly xenMinor: number;
}

export function parseImageHeader(bytes: Uint8Array): ImageHeader {
  const fail = (code: 'BAD_MARKER' | 'BAD_ID' | 'BAD_VERSION' | 'BAD_OPTIONS', detail: string): never => {
    throw new StreamError(code, 'IMAGE_HEADER', 0, detail);
  };
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const marker = v.getBigUint64(IHDR_OFF_MARKER);
  if (marker !== IHDR_MARKER) fail('BAD_MARKER', `marker ${hex(marker)}`);
  const id = v.getUint32(IHDR_OFF_ID);
  if (id !== IHDR_ID_XEN && id !== IHDR_ID_HBFZ) fail('BAD_ID', `image id ${hex(id)} is neither XENF nor HBFZ`);
  const version = v.getUint32(IHDR_OFF_VERSION);
  if (version !== IHDR_VERSION) fail('BAD_VERSION', `version ${version}, expected ${IHDR_VERSION}`);
  const options = v.getUint16(IHDR_OFF_OPTIONS);
  if (options & IHDR_OPT_BIG_ENDIAN) fail('BAD_OPTIONS', 'big-endian records are not supported');
  if (options !== 0 || v.getUint16(IHDR_OFF_RES16) !== 0 || v.getUint32(IHDR_OFF_RES32) !== 0) {
    fail('BAD_OPTIONS', `reserved option or header bits set (options ${hex(options)})`);
  }
  return { version, compressed: id === IHDR_ID_HBFZ };
}

export function parseDomainHeader(bytes: Uint8Array, image: ImageHeader): StreamHeaderInfo {
  const fail = (detail: string): never => {
    throw new StreamError('BAD_DOMAIN', 'DOMAIN_HEADER', IHDR_SIZE, detail);
  };
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const domainType = v.getUint32(DHDR_OFF_TYPE, true);
  if (domainType !== DHDR_TYPE_X86_HVM) fail(`domain type ${domainType}, expected x86 HVM (${DHDR_TYPE_X86_HVM})`);
  const shift = v.getUint16(DHDR_OFF_PAGE_SHIFT, true);
  if (shift !== DHDR_PAGE_SHIFT) fail(`page shift ${shift}, expected ${DHDR_PAGE_SHIFT}`);
  if (v.getUint16(DHDR_OFF_RES16, true) !== 0) fail('reserved field set');
  return {
    ...image,
    domainType,
    xenMajor: v.getUint32(DHDR_OFF_XEN_MAJOR, true),
    xenMinor: v.getUint32(DHDR_OFF_XEN_MINOR, true),
  };
}
