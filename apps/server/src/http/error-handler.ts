import type { FastifyError, FastifyInstance } from 'fastify';
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod';
import { AppError, type FieldProblems } from '../lib/errors.ts';

export type ErrorBody = { error: { code: string; message: string; fields?: FieldProblems } };

/** The one place that turns errors into responses. Nothing but an AppError's own message
 *  reaches a client: no stack trace, no SQL. */
export function installErrorHandler(app: FastifyInstance, options: { spaFallback: boolean }): void {
  app.setErrorHandler((err: FastifyError, request, reply) => {
    if (err instanceof AppError) {
      const body: ErrorBody = { error: { code: err.code, message: err.message } };
      if (err.fields) body.error.fields = err.fields;
      return reply.status(err.status).send(body);
    }
    if (hasZodFastifySchemaValidationErrors(err)) {
      const fields: FieldProblems = {};
      for (const issue of err.validation) {
        // fastify-type-provider-zod: keyword is the Zod issue code, instancePath its path.
        const prefix = issue.instancePath.replace(/^\//, '').replace(/\//g, '.');
        const keys = (issue.params as { keys?: unknown } | undefined)?.keys;
        // An unknown field is named itself, not its parent object.
        if (issue.keyword === 'unrecognized_keys' && Array.isArray(keys) && keys.length) {
          for (const key of keys) fields[prefix ? `${prefix}.${key}` : String(key)] = 'is not a known field';
          continue;
        }
        const key = prefix || err.validationContext || 'body';
        if (!fields[key]) fields[key] = issue.message ?? 'is invalid';
      }
      return reply.status(422).send({
        error: { code: 'validation_failed', message: `Invalid ${err.validationContext ?? 'input'}.`, fields },
      } satisfies ErrorBody);
    }
    const status = err.statusCode ?? 500;
    if (status === 413 || err.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
      return reply
        .status(413)
        .send({ error: { code: 'payload_too_large', message: 'The request body is too large.' } });
    }
    if (err.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') {
      return reply
        .status(415)
        .send({ error: { code: 'unsupported_media_type', message: 'Send the body as application/json.' } });
    }
    if (
      err.code === 'FST_ERR_CTP_EMPTY_JSON_BODY' ||
      err.code === 'FST_ERR_CTP_INVALID_JSON_BODY' ||
      err instanceof SyntaxError
    ) {
      return reply.status(400).send({
        error: {
          code: 'invalid_json',
          message: 'The request body is not valid JSON.',
          fields: { body: 'is not valid JSON' },
        },
      });
    }
    if (err.code === 'FST_ERR_RATE_LIMIT_EXCEEDED' || status === 429) {
      return reply
        .status(429)
        .send({ error: { code: 'rate_limited', message: 'Too many requests. Try again in a minute.' } });
    }
    if (status >= 400 && status < 500) {
      return reply
        .status(status)
        .send({ error: { code: 'bad_request', message: 'The request could not be understood.' } });
    }
    request.log.error({ err }, 'unhandled error');
    return reply.status(500).send({ error: { code: 'internal', message: 'Something went wrong on our side.' } });
  });

  app.setNotFoundHandler((request, reply) => {
    // The web app routes on the client: every other GET outside /api gets its index.html.
    if (options.spaFallback && request.method === 'GET' && !request.url.startsWith('/api/')) {
      return reply.type('text/html; charset=utf-8').sendFile('index.html');
    }
    return reply
      .status(404)
      .send({ error: { code: 'not_found', message: `No route for ${request.method} ${request.url.split('?')[0]}.` } });
  });
}
