#!/usr/bin/env node
// The `laurel` command: runs src/cli.ts through tsx's loader, so no build step is needed.
import { register } from 'tsx/esm/api';

register();
await import('../src/cli.ts');
