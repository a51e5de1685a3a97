/** `syvain-otel bridge`: placeholder until the receiver lands (issue 5, phase 2). */
export function run(_argv: string[]): Promise<number> {
  process.stderr.write("syvain-otel bridge: not implemented yet\n");
  return Promise.resolve(1);
}
