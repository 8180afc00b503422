/**
 * The mail outbox against a real SMTP server (smtp-server on 127.0.0.1) and a real HTTP mail API (node:http),
 * with a fresh in-memory SQLite store per test and a fake clock.
 */
import { type IncomingHttpHeaders, type Server, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { OutboxRow } from '../db/schema';
import { loadConfig } from '../src/config';
import { node as _unused } from './mail.test.helpers.none';
