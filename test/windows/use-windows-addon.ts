// Preloaded (NODE_OPTIONS=--import) into every test process that `npm run test:windows`
// starts under wine: points loadAddon() at the mingw-w64 build of the addon.
import { useAddonFile } from '../../app/native/addon.js';

const file = process.env.SLIPSTREAM_TEST_ADDON;
if (!file) throw new Error('SLIPSTREAM_TEST_ADDON is not set (run through test/windows/run.mjs)');
useAddonFile(file);
