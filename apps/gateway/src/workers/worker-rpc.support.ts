import { GATEWAY_ERROR_CODES, PROVIDER_ERROR_CODES } from '@app/contracts';
export { requestChunks, type ChunkedTransferError } from '@app/messaging';

export const ERROR_CODES_ALL: ReadonlySet<string> = new Set<string>([...PROVIDER_ERROR_CODES, ...GATEWAY_ERROR_CODES]);
