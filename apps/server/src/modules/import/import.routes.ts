import { Readable } from 'node:stream';
import {
  ZCreateImportBody,
  ZImport,
  ZImportFile,
  ZImportFileParams,
  ZImportList,
  ZImportListQuery,
  ZImportParams,
  ZImportPreview,
  ZImportPreviewQuery,
  ZImportUploadQuery,
} from '@tillit/contracts';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { Services } from '../../services.ts';
import { requireAllowed } from '../permissions/permissions.ts';
import { actorOf } from '../workspaces/workspaces.service.ts';
import { receiveUpload } from './import.files.ts';
import { startImportNow } from './import.jobs.ts';
import { createImport, getImport, listImports, previewFile, reportCsv, requestUndo } from './import.service.ts';

/** Content types an upload may come as; the body is read as a stream, not parsed. */
const UPLOAD_TYPES = [
  'text/csv',
  'text/plain',
  'text/vcard',
  'text/x-vcard',
  'text/directory',
  'application/octet-stream',
  'application/vnd.ms-excel',
];

/** Imports of people (P-CRM-10): upload, preview, create (or dry-run), follow, report, undo.
 *  Members and above; viewers get 403. */
export async function registerImportRoutes(app: FastifyInstance, services: Services): Promise<void> {
  await app.register(async (scope) => {
    // The upload's body stays a stream (up to IMPORT_MAX_BYTES, checked as it is written);
    // this parser applies only inside this plugin, not to the rest of the API.
    scope.addContentTypeParser(UPLOAD_TYPES, (_request, _payload, done) => done(null, undefined));
    const r = scope.withTypeProvider<ZodTypeProvider>();
    // The matrix's ('people', 'import'), which also checks an API key's scopes.
    const importer = async (request: Parameters<typeof requireAllowed>[1]) =>
      actorOf(await requireAllowed(services, request, 'people', 'import'));
    const tags = ['import'];

    r.post(
      '/api/v1/imports/files',
      {
        schema: {
          tags,
          summary: 'Upload a CSV or vCard file as the raw request body (member); ?name= is its file name',
          querystring: ZImportUploadQuery,
          response: { 201: ZImportFile },
        },
      },
      async (request, reply) => {
        const actor = await importer(request);
        const file = await receiveUpload(services, actor, request.raw as Readable, request.query.name);
        return reply.status(201).send(file);
      },
    );

    r.get(
      '/api/v1/imports/files/:id/preview',
      {
        schema: {
          tags,
          summary: 'The header, first rows and a suggested mapping of an uploaded file',
          params: ZImportFileParams,
          querystring: ZImportPreviewQuery,
          response: { 200: ZImportPreview },
        },
      },
      async (request) =>
        previewFile(services, await importer(request), request.params.id, request.query.encoding, request.query.preset),
    );

    r.post(
      '/api/v1/imports',
      {
        schema: {
          tags,
          summary: 'Start an import or a dry run of an uploaded file (member)',
          body: ZCreateImportBody,
          response: { 202: ZImport },
        },
      },
      async (request, reply) => {
        const actor = await importer(request);
        const created = await createImport(services, actor, request.body);
        startImportNow(services, actor.workspaceId, created.id, (err) => request.log.error(err, 'import run failed'));
        return reply.status(202).send(created);
      },
    );

    r.get(
      '/api/v1/imports',
      {
        schema: {
          tags,
          summary: "The workspace's imports, newest first",
          querystring: ZImportListQuery,
          response: { 200: ZImportList },
        },
      },
      async (request) => listImports(services, await importer(request), request.query),
    );

    r.get(
      '/api/v1/imports/:id',
      { schema: { tags, summary: 'An import and its progress', params: ZImportParams, response: { 200: ZImport } } },
      async (request) => getImport(services, await importer(request), request.params.id),
    );

    r.get(
      '/api/v1/imports/:id/report',
      {
        schema: {
          tags,
          summary: 'The refused rows as CSV: row, field, problem',
          params: ZImportParams,
        },
      },
      async (request, reply) => {
        const actor = await importer(request);
        const lines = reportCsv(services, actor, request.params.id);
        // The first piece checks access before any header is sent.
        const head = await lines.next();
        return reply
          .header('content-type', 'text/csv; charset=utf-8')
          .header('content-disposition', `attachment; filename="import-${request.params.id}-report.csv"`)
          .send(
            Readable.from(
              (async function* () {
                if (!head.done) yield head.value;
                yield* lines;
              })(),
            ),
          );
      },
    );

    r.post(
      '/api/v1/imports/:id/undo',
      {
        schema: {
          tags,
          summary: 'Undo an import: remove the people it created, restore those it updated',
          params: ZImportParams,
          response: { 202: ZImport },
        },
      },
      async (request, reply) => {
        const actor = await importer(request);
        const undoing = await requestUndo(services, actor, request.params.id);
        startImportNow(services, actor.workspaceId, undoing.id, (err) => request.log.error(err, 'import undo failed'));
        return reply.status(202).send(undoing);
      },
    );
  });
}
