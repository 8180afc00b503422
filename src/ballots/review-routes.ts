/** Stub: replaced by the review feature (fraud flags, void and restore, turnout, organizer finalists). */
import type { AppDeps } from '../deps';
import { newRouter } from '../http/router';

export function reviewRoutes(_deps: AppDeps) {
  return newRouter();
}
