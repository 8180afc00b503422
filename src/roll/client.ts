/** Moved to src/http/client.ts; kept while other modules move their imports. */
export { clientAddress } from '../http/client';
