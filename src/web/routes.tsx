import { Hono } from 'hono';
import type { AppDeps } from '../deps';
import type { Env } from '../http/router';

export function webRoutes(_deps: AppDeps) {
  return new Hono<Env>();
}
