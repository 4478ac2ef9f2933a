// Everything the network tests need, from one import:
//   import { createTopology, ping, tcpTransfer, cleanupAll } from '../harness/index.js';
export * from './cleanup.js';
export * from './clientconf.js';
export * from './netns.js';
export * from './process.js';
export * from './system.js';
export * from './tempfiles.js';
export * from './topology.js';
export * from './traffic.js';
export * from './wait.js';
export * from './wg-tools.js';
export * from './wireguard-go.js';
export * from './browser.js';
export * from './web-app.js';
export * from './portal.js';
export * from './system-packages.js';
