/** The config module's public surface, for callers that want one import. */
export type {
  AddressConfig,
  ConfigWarning,
  EndpointConfig,
  InterfaceSection,
  PeerSection,
  WgQuickConfig,
} from './types.js';
export { ConfigError } from './errors.js';
export { parseWgQuick, MAX_LINE_LENGTH } from './parse.js';
export { loadWgQuickFile, MAX_CONFIG_BYTES } from './load.js';
export { redactedSummary, type ConfigSummary } from './summary.js';
export { formatCidr, formatIp, parseCidr, parseIp, parseIpPrefix, type ParsedIp } from './ip.js';
