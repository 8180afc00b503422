/** Stub: replaced by the consent feature. */
import type { AppDeps } from '../deps';
import { newRouter } from '../http/router';

export function consentRoutes(_deps: AppDeps) {
  return newRouter();
}
