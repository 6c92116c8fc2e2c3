/**
 * One S3 multipart upload: created on the first part, parts sent concurrently (at most
 * `maxInFlight` at once, each retried by the client on transient failures), then completed or
 * aborted. The abort waits until no part request is in flight, so no part can land after it,
 * and then checks the upload is really gone (AWS's advice: abort again if parts remain).
 */
import { S3Error } from './s3-client.js';
import { completeMultipartXml, xmlText } from './s3-xml.js';
import type { S3WriteTarget } from './s3-write.js';

/** S3's limit on parts per upload. */
export const MAX_PARTS = 10_000;

/** See the module comment. */
export class S3MultipartUpload {
  private uploadId: Promise<string> | null = null;
  private readonly inFlight = new Set<Promise<void>>();
  private readonly parts: { partNumber: number; etag: string }[] = [];
  private nextPart = 1;
  private error: unknown = null;
  private aborted = false;

  /** @param release receives each part's buffer once the part is stored (for reuse). */
  constructor(private readonly t: S3WriteTarget, private readonly maxInFlight: number, private readonly release: (buf: Buffer) => void) {}

  /** Sends `buf[0, size)` as the next part once a slot is free; rejects with the first part failure. */
  async add(buf: Buffer, size: number): Promise<void> {
    while (this.inFlight.size >= this.maxInFlight && this.error === null) await Promise.race(this.inFlight);
    if (this.error !== null) throw this.error;
    if (this.nextPart > MAX_PARTS) throw new S3Error(400, 'TooManyParts', `${this.t.key}: more than ${MAX_PARTS} parts`);
    const uploadId = await (this.uploadId ??= this.create());
    // No await between this check and joining inFlight: abort() waits for every part it lets in.
    if (this.aborted) throw new S3Error(0, 'Aborted', `the upload of ${this.t.key} was aborted`);
    const partNumber = this.nextPart++;
    const sending = this.t.client.send({
      method: 'PUT', bucket: this.t.bucket, key: this.t.key,
      query: [['partNumber', String(partNumber)], ['uploadId', uploadId]],
      body: buf.subarray(0, size), unsignedBody: true,
    }, this.t.creds).then(async (res) => {
      await res.body.dump();
      const etag = res.headers.etag;
      if (typeof etag !== 'string') throw new S3Error(res.statusCode, 'MissingETag', `part ${partNumber} of ${this.t.key} has no ETag`);
      this.parts.push({ partNumber, etag });
      this.release(buf);
    }).catch((err: unknown) => { this.error ??= err; });
    const tracked: Promise<void> = sending.finally(() => this.inFlight.delete(tracked));
    this.inFlight.add(tracked);
  }

  /** Waits for every part in flight; rejects with the first part failure. */
  async drain(): Promise<void> {
    await Promise.all(this.inFlight);
    if (this.error !== null) throw this.error;
  }

  /** Completes the upload with every part sent (call after `drain`). */
  async complete(): Promise<void> {
    await this.drain();
    const uploadId = await this.uploadId!;
    try {
      // The answer may be a 200 whose body is an <Error> (the server failed after answering).
      const text = await this.t.client.sendText({
        method: 'POST', bucket: this.t.bucket, key: this.t.key, query: [['uploadId', uploadId]],
        headers: { 'content-type': 'application/xml' }, body: completeMultipartXml(this.parts),
      }, this.t.creds);
      if (/<Error>/.test(text)) {
        throw new S3Error(200, xmlText(text, 'Code') ?? 'InternalError', `completing ${this.t.key}: ${xmlText(text, 'Message') ?? ''}`);
      }
    } catch (err) {
      // A retried complete finds the upload gone when the first attempt did complete it.
      if (err instanceof S3Error && err.code === 'NoSuchUpload' && (await this.objectExists())) return;
      throw err;
    }
  }

  /** Aborts the upload after every part request has settled; never leaves parts behind knowingly. */
  async abort(): Promise<void> {
    this.aborted = true;
    const uploadId = await this.uploadId?.catch(() => null);
    await Promise.all(this.inFlight);
    if (!uploadId) return;
    for (let attempt = 0; attempt < 2; attempt++) {
      try {
        const res = await this.t.client.send({ method: 'DELETE', bucket: this.t.bucket, key: this.t.key, query: [['uploadId', uploadId]] }, this.t.creds);
        await res.body.dump();
      } catch (err) {
        if (!(err instanceof S3Error && err.code === 'NoSuchUpload')) throw err;
      }
      try {
        await this.t.client.sendText({ method: 'GET', bucket: this.t.bucket, key: this.t.key, query: [['uploadId', uploadId]] }, this.t.creds);
      } catch (err) {
        if (err instanceof S3Error && err.code === 'NoSuchUpload') return;
        throw err;
      }
    }
    throw new S3Error(500, 'AbortIncomplete', `parts of ${this.t.key} remain after aborting its upload`);
  }

  private async create(): Promise<string> {
    const text = await this.t.client.sendText({ method: 'POST', bucket: this.t.bucket, key: this.t.key, query: [['uploads', '']] }, this.t.creds);
    const id = xmlText(text, 'UploadId');
    if (!id) throw new S3Error(200, 'NoUploadId', `initiating the upload of ${this.t.key}: no UploadId in the answer`);
    return id;
  }

  private async objectExists(): Promise<boolean> {
    try {
      const res = await this.t.client.send({ method: 'HEAD', bucket: this.t.bucket, key: this.t.key }, this.t.creds);
      await res.body.dump();
      return true;
    } catch {
      return false;
    }
  }
}
