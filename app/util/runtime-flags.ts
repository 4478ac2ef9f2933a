/**
 * V8 flags for the processes that carry a tunnel: `slipstream up` and the helper.
 *
 * The data path allocates small, short-lived objects per packet (views, effects),
 * and V8's default young generation (up to 16 MiB per semi-space, three of them)
 * then stays fully grown: peak RSS 133–157 MB through a 2 Gbit/s transfer. With
 * 4 MiB semi-spaces it was 117–124 MB at the same throughput (issue 11, bench rig).
 * V8 sizes the heap when the isolate starts, so the flag must be on the command
 * line (v8.setFlagsFromString later changed nothing). The same flags are written
 * out in the CLI's shebang, app/packaging/linux/slipstream-helper and
 * app/packaging/windows/installer.nsh; test/unit/build/runtime-flags.test.ts
 * keeps them equal.
 */
export const TUNNEL_RUNTIME_FLAGS: readonly string[] = ['--max-semi-space-size=4'];
