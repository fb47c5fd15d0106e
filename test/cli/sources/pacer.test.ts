import { Pacer, RATES } from '../../../lib/cli/sources/pacer';

/** A clock the test moves: sleeping advances it by exactly the time asked. */
function virtualClock() {
  let now = 1_000_000;
  const sleeps: number[] = [];
  return {
    now: () => now,
    sleep: async (ms: number) => {
      sleeps.push(ms);
      now += ms;
    },
    advance: (ms: number) => (now += ms),
    sleeps,
  };
}

describe('Pacer', () => {
  test('GIVEN 20 calls a second WHEN five calls come at once THEN they leave 50 ms apart, the first at once', async () => {
    const clock = virtualClock();
    const pacer = new Pacer(20, clock.now, clock.sleep);
    const started: number[] = [];
    for (let i = 0; i < 5; i++) {
      await pacer.pace();
      started.push(clock.now());
    }
    expect(started.map((t) => t - started[0])).toEqual([0, 50, 100, 150, 200]);
    expect(clock.sleeps).toEqual([50, 50, 50, 50]);
  });

  test('GIVEN calls already further apart than the rate WHEN paced THEN none waits', async () => {
    const clock = virtualClock();
    const pacer = new Pacer(5, clock.now, clock.sleep);
    await pacer.pace();
    clock.advance(300);
    await pacer.pace();
    expect(clock.sleeps).toEqual([]);
  });

  test('GIVEN a call soon after another WHEN paced THEN it waits only the rest of the interval', async () => {
    const clock = virtualClock();
    const pacer = new Pacer(5, clock.now, clock.sleep);
    await pacer.pace();
    clock.advance(120);
    await pacer.pace();
    expect(clock.sleeps).toEqual([80]);
  });

  test('keeps each API within its documented or default rate: EC2 20/s, Kubernetes 5/s', () => {
    // EC2 Developer Guide, ec2-api-throttling.html: non-mutating actions refill at 20 a second.
    expect(RATES.ec2).toBeLessThanOrEqual(20);
    // client-go rest.DefaultQPS is 5.
    expect(RATES.kubernetes).toBeLessThanOrEqual(5);
  });
});
