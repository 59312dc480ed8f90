// A key's stable, non-reversible id: what namespaces per-key state (daily budgets, dispatchers,
// shared Redis keys) so the key itself never has to be stored or sent anywhere but the API.
import { createHash } from 'node:crypto';

export function keyId(key: string): string {
  return createHash('sha256').update(key).digest('hex').slice(0, 12);
}
