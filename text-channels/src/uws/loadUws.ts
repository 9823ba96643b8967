import uws from 'uWebSockets.js';
import { createRequire } from 'node:module';

export type Uws = typeof uws;

/**
 * The uWebSockets.js mirror we pin silently falls back to a slow pure-JS implementation when its
 * native binary does not load (wrong Node ABI, wrong glibc). That fallback also exports
 * `us_socket_local_port`, so a typeof check is not enough: require the platform's `.node` binary
 * directly and insist that the package handed us that very module, with native functions.
 */
export function loadNativeUws(): Uws {
  const require = createRequire(import.meta.url);
  const binary = `uWebSockets.js/binaries/uws_${process.platform}_${process.arch}_${process.versions.modules}.node`;
  let native: unknown;
  try {
    native = require(binary);
  } catch (err) {
    throw new Error(
      `uWebSockets.js has no native binary for Node ${process.version} (${process.platform}/${process.arch}, ABI ${process.versions.modules}); ` +
        'refusing to run on the slow JS fallback. Use Node 20 with this mirror, or upstream uWebSockets.js on Node 22/24 (glibc >= 2.38).',
      { cause: err },
    );
  }
  const isNative =
    native === uws &&
    typeof uws.us_socket_local_port === 'function' &&
    /\[native code\]/.test(Function.prototype.toString.call(uws.us_socket_local_port));
  if (!isNative)
    throw new Error('uWebSockets.js loaded its JS fallback instead of the native binding; refusing to start');
  return uws;
}
