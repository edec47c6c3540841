import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load.ts';
import { checkConfig } from '../../src/config/resolve.ts';
import { builtinRegistry } from '../../src/components.ts';
import { REPO_ROOT } from '../helpers/gateway-process.ts';

describe('docker-compose profile fleet', () => {
  it('is a valid compose file with one tier-1 and three tier-2 gateways', () => {
    const services = execFileSync('docker-compose', ['-f', 'docker-compose.yml', '--profile', 'fleet', 'config', '--services'], { cwd: REPO_ROOT, encoding: 'utf8' }).split('\n');
    expect(services).toEqual(expect.arrayContaining(['switchyard-tier1', 'switchyard-tier2-0', 'switchyard-tier2-1', 'switchyard-tier2-2']));
  });

  it('routes tier 1 to exactly the three tier-2 services, with a config that validates', () => {
    const { config, issues } = checkConfig(loadConfig(`${REPO_ROOT}deploy/compose/tier1.yaml`, {}), builtinRegistry());
    expect(issues).toEqual([]);
    expect(JSON.stringify(config)).toContain('switchyard-tier2-2:4318');
  });
});
