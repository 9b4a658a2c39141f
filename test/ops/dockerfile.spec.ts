import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DockerfileParser, type Instruction } from 'dockerfile-ast';

/** The Dockerfile lint CI runs: hadolint is not in Debian, so the rules we care about are here. */
describe('Dockerfile', () => {
  const dockerfile = DockerfileParser.parse(
    readFileSync(join(__dirname, '../../Dockerfile'), 'utf8'),
  );
  const instructions = dockerfile.getInstructions();
  const froms = dockerfile.getFROMs();
  const runtimeStart = froms[froms.length - 1].getRange().start.line;
  const inRuntime = (instruction: Instruction) => instruction.getRange().start.line > runtimeStart;
  const keyword = (name: string) => instructions.filter((i) => i.getKeyword() === name);

  it('parses without problems', () => {
    expect(instructions.length).toBeGreaterThan(0);
    expect(instructions.map((i) => i.getKeyword())).not.toContain('');
  });

  it('is multi-stage and copies the build output from an earlier stage', () => {
    expect(froms.length).toBeGreaterThanOrEqual(2);
    const stages = froms.map((from) => from.getBuildStage()).filter(Boolean);
    const copiesFromStage = keyword('COPY').some((copy) =>
      stages.some((stage) => copy.getTextContent().includes(`--from=${stage}`)),
    );
    expect(copiesFromStage).toBe(true);
  });

  it('pins every base image to a tag that is not latest', () => {
    // A stage built on an earlier stage (`FROM build AS dev`) names no image.
    const stages = new Set(froms.map((from) => from.getBuildStage()).filter(Boolean));
    for (const from of froms.filter((f) => !stages.has(f.getImageName() ?? ''))) {
      expect(from.getImageTag()).toBeTruthy();
      expect(from.getImageTag()).not.toBe('latest');
    }
  });

  it('runs the runtime stage as a non-root user', () => {
    const users = keyword('USER').filter(inRuntime);
    expect(users.length).toBeGreaterThan(0);
    expect(users[users.length - 1].getArgumentsContent()).not.toMatch(/^(root|0)(:|$)/);
  });

  it('has a HEALTHCHECK and installs with npm ci (production only at runtime)', () => {
    expect(keyword('HEALTHCHECK')).toHaveLength(1);
    const runs = keyword('RUN').map((run) => ({
      args: run.getArgumentsContent() ?? '',
      runtime: inRuntime(run),
    }));
    expect(runs.some((run) => !run.runtime && /npm ci\b/.test(run.args))).toBe(true);
    expect(runs.some((run) => run.runtime && /npm ci --omit=dev/.test(run.args))).toBe(true);
    expect(runs.every((run) => !/npm install\b/.test(run.args))).toBe(true);
  });
});
