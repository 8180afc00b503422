/** Stub: replaced by the OIDC feature. */
import type { AppDeps } from '../deps';
import { newRouter } from '../http/router';

export function oidcRoutes(_deps: AppDeps) {
  return newRouter();
}
