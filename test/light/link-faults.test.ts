// A light server takes part in a test federation's link faults: fed.link/partition cut its outbound
// requests as they cut a full server's, and heal() restores them.
import { LightRoomFixture, startLightRoom } from './support/light-fixture';

describe('light server and link faults', () => {
  let f: LightRoomFixture;
  beforeEach(async () => {
    f = await startLightRoom('10');
  });
  afterEach(async () => {
    await f.fed.stop();
  });

  test('a down link from the light server fails its learn through that server; heal restores it', async () => {
    f.fed.link('policy.test', 'a.test', 'down');
    await expect(f.light.currentState(f.roomId, { via: ['a.test'] })).rejects.toThrow();
    const viaB = await f.light.currentState(f.roomId, { via: ['b.test'] });
    expect(viaB.state.size).toBeGreaterThan(0);
    f.fed.heal();
    const viaA = await f.light.currentState(f.roomId, { via: ['a.test'] });
    expect(viaA.stateIds).toEqual(viaB.stateIds);
  });

  test('a partition that puts the light server alone leaves it no server to learn from', async () => {
    f.fed.partition([['policy.test'], ['a.test', 'b.test', 'c.test']]);
    await expect(f.light.currentState(f.roomId, { via: ['a.test', 'b.test'] })).rejects.toThrow();
  });
});
