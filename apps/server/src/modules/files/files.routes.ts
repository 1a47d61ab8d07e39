import fastifyMultipart from '@fastify/multipart';
import type { TPermissionAction } from '@tillit/contracts';
import {
  ZDeletedRecord,
  ZFile,
  ZFileList,
  ZFileListQuery,
  ZFileParams,
  ZStorageUsage,
  ZUploadFileQuery,
} from '@tillit/contracts';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { AppError, validationFailed } from '../../lib/errors.ts';
import type { Services } from '../../services.ts';
import { requireAllowed } from '../permissions/permissions.ts';
import { actorOf } from '../workspaces/workspaces.service.ts';
import {
  deleteFile,
  getFile,
  listFiles,
  type OpenedFile,
  openFileContent,
  openThumbnail,
  removePersonPhoto,
  restoreFile,
  storageUsage,
  type UploadPart,
  uploadFile,
} from './files.service.ts';

const ZId = z.uuid({ error: 'must be a UUID' });

/** `filename*` (RFC 6266/5987) carries the real name; `filename` an ASCII stand-in. */
export function contentDisposition(kind: 'inline' | 'attachment', name: string): string {
  const ascii = name.replace(/[^\x20-\x7e]/g, '_').replace(/["\\]/g, '_');
  const encoded = encodeURIComponent(name).replace(/['()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
  return `${kind}; filename="${ascii}"; filename*=UTF-8''${encoded}`;
}

/**
 * Sends stored bytes so that no browser can be made to run them: the sniffed type (text
 * with an explicit charset), `nosniff`, a sandboxing CSP, and `attachment` for everything
 * but PNG, JPEG, GIF and WebP (never HTML or SVG inline: stored XSS).
 */
function sendStored(reply: FastifyReply, opened: OpenedFile, opts: { name: string; cache: string; length?: number }) {
  const type = opened.contentType.startsWith('text/') ? `${opened.contentType}; charset=utf-8` : opened.contentType;
  reply
    .header('content-type', type)
    .header('content-disposition', contentDisposition(opened.inline ? 'inline' : 'attachment', opts.name))
    .header('x-content-type-options', 'nosniff')
    .header('content-security-policy', "default-src 'none'; sandbox")
    .header('cache-control', opts.cache);
  if (opts.length !== undefined) reply.header('content-length', String(opts.length));
  return reply.send(opened.stream);
}

/** Files attached to records (P-CRM-7) and people's photos (P-CRM-1). Viewer reads, member
 *  writes; every route checks the record's own visibility in the service. */
export function registerFileRoutes(app: FastifyInstance, services: Services): void {
  type Req = FastifyRequest;
  // The permission matrix and, for API keys, their scopes decide (object 'files'); a photo
  // also changes the person ('people' 'update').
  const allowed = async (request: Req, action: TPermissionAction) =>
    actorOf(await requireAllowed(services, request, 'files', action));
  const photoWriter = async (request: Req, action: TPermissionAction) => {
    await requireAllowed(services, request, 'people', 'update');
    return allowed(request, action);
  };
  const tags = ['files'];
  const maxBytes = services.config.files.maxBytes;

  /** The one part named `file` of a multipart body, as a stream (never buffered whole). */
  async function readPart(request: Req): Promise<UploadPart> {
    if (!request.isMultipart()) {
      throw new AppError('unsupported_media_type', 415, 'Send the file as multipart/form-data in a part named file.');
    }
    // One byte over the limit passes the parser, so that the service's meter sees it and refuses.
    const part = await request.file({ limits: { fileSize: maxBytes + 1, files: 1, fields: 0, parts: 1 } });
    if (part?.fieldname !== 'file') throw validationFailed({ file: 'is required (a part named file)' });
    return { filename: part.filename, stream: part.file, truncated: () => part.file.truncated };
  }

  // Multipart parsing only for the routes in this scope.
  app.register(async (scope) => {
    await scope.register(fastifyMultipart, { limits: { fileSize: maxBytes + 1, files: 1, fields: 0, parts: 1 } });
    const r = scope.withTypeProvider<ZodTypeProvider>();

    r.post(
      '/api/v1/files',
      {
        schema: {
          tags,
          summary: 'Attach a file to a record (member; multipart/form-data, one part named file)',
          description: `Up to ${maxBytes} bytes (413 file_too_large), within the workspace's quota (413 quota_exceeded). The type is sniffed from the content.`,
          querystring: ZUploadFileQuery,
          response: { 201: ZFile },
        },
      },
      async (request, reply) => {
        const actor = await allowed(request, 'create');
        const part = await readPart(request);
        const file = await uploadFile(
          services,
          actor,
          { kind: request.query.kind, recordId: request.query.record },
          part,
        );
        return reply.status(201).send(file);
      },
    );

    r.put(
      '/api/v1/people/:id/photo',
      {
        schema: {
          tags: ['people'],
          summary: "Set a person's photo (member; multipart, one part named file; PNG, JPEG, GIF or WebP)",
          params: z.object({ id: ZId }).strict(),
          response: { 200: ZFile },
        },
      },
      async (request) => {
        const actor = await photoWriter(request, 'create');
        const part = await readPart(request);
        return uploadFile(services, actor, { kind: 'person', recordId: request.params.id }, part, 'photo');
      },
    );
  });

  const r = app.withTypeProvider<ZodTypeProvider>();

  r.delete(
    '/api/v1/people/:id/photo',
    {
      schema: {
        tags: ['people'],
        summary: "Remove a person's photo (member; it goes to the trash)",
        params: z.object({ id: ZId }).strict(),
        response: { 204: z.null() },
      },
    },
    async (request, reply) => {
      await removePersonPhoto(services, await photoWriter(request, 'delete'), request.params.id);
      return reply.status(204).send(null);
    },
  );

  r.get(
    '/api/v1/files',
    {
      schema: {
        tags,
        summary: "A record's files, newest first (keyset: pass nextCursor back as after)",
        querystring: ZFileListQuery,
        response: { 200: ZFileList },
      },
    },
    async (request) => listFiles(services, await allowed(request, 'read'), request.query),
  );

  r.get(
    '/api/v1/files/usage',
    {
      schema: {
        tags,
        summary: "The workspace's storage: bytes used, quota, largest upload",
        response: { 200: ZStorageUsage },
      },
    },
    async (request) => storageUsage(services, await allowed(request, 'read')),
  );

  r.get(
    '/api/v1/files/:id',
    { schema: { tags, summary: "A file's metadata", params: ZFileParams, response: { 200: ZFile } } },
    async (request) => getFile(services, await allowed(request, 'read'), request.params.id),
  );

  r.get(
    '/api/v1/files/:id/content',
    {
      schema: {
        tags,
        summary: 'Download a file (audited); images inline, everything else as an attachment',
        params: ZFileParams,
      },
    },
    async (request, reply) => {
      const opened = await openFileContent(services, await allowed(request, 'read'), request.params.id);
      return sendStored(reply, opened, { name: opened.row.name, cache: 'private, no-cache', length: opened.row.size });
    },
  );

  r.get(
    '/api/v1/files/:id/thumbnail',
    {
      schema: {
        tags,
        summary: "An image's 256×256 WebP thumbnail, without metadata (404 when there is none)",
        params: ZFileParams,
      },
    },
    async (request, reply) => {
      const opened = await openThumbnail(services, await allowed(request, 'read'), request.params.id);
      return sendStored(reply, opened, { name: opened.row.name, cache: 'private, max-age=300' });
    },
  );

  r.delete(
    '/api/v1/files/:id',
    {
      schema: {
        tags,
        summary: 'Move a file to the trash (member; restorable for 30 days)',
        params: ZFileParams,
        response: { 200: ZDeletedRecord },
      },
    },
    async (request) => deleteFile(services, await allowed(request, 'delete'), request.params.id),
  );

  // A static segment wins over the shared trash route's `:kind`, so files restore here.
  r.post(
    '/api/v1/trash/file/:id/restore',
    {
      schema: {
        tags: ['trash'],
        summary: 'Restore a file from the trash (member; its record must not be in the trash: 409)',
        params: ZFileParams,
        response: { 200: ZFile },
      },
    },
    async (request) => restoreFile(services, await allowed(request, 'delete'), request.params.id),
  );
}
