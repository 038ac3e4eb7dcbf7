import { Catch, Logger, type RpcExceptionFilter } from '@nestjs/common';
import { RpcException } from '@nestjs/microservices';
import { throwError, type Observable } from 'rxjs';
import { ProviderException, type RpcErrorPayload } from '@app/contracts';

/** Workers answer RPC failures as `{code, message}` so the gateway can map them to HTTP with the same code. */
@Catch()
export class RpcErrorFilter implements RpcExceptionFilter<unknown> {
  private readonly logger = new Logger(RpcErrorFilter.name);

  catch(exception: unknown): Observable<never> {
    let body: RpcErrorPayload;
    if (exception instanceof RpcException) body = exception.getError() as RpcErrorPayload;
    else if (exception instanceof ProviderException) body = { code: exception.code, message: exception.message };
    else {
      this.logger.error(exception instanceof Error ? exception.stack : String(exception));
      body = { code: 'PROVIDER_ERROR', message: 'Internal worker error' };
    }
    return throwError(() => body);
  }
}
