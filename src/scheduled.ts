/**
 * The periodic work of every runtime (the Node server's timer, the Workers Cron Trigger, `laurel tick`, the demo):
 * phases due by their schedule, ballot checkpoints and closes to finish, and mail the outbox holds back.
 */
import { ballotsTick } from './ballots/close';
import { runSchedule } from './ceremonies/service';
import type { AppDeps } from './deps';

export async function scheduledWork(deps: AppDeps) {
  const moves = await runSchedule(deps);
  await ballotsTick(deps);
  // Mail deferred by the throttle or waiting for a retry goes out here without anyone asking.
  const mail = await deps.mailer.flush();
  return { moves, mail };
}
