/**
 * The conformance suite over the s3 driver against a real S3 service: Swift's s3api through
 * Keystone EC2 credentials (`scripts/swift.sh`). Each test gets a bucket of its own, created by
 * the driver (`s3_store_create_bucket_on_put`); `residue()` lists the bucket through S3 and its
 * `+segments` container through the Swift API, so parts of an aborted multipart upload would
 * show. Thresholds are lowered to 5 MiB so multi-MiB tests go through multipart uploads;
 * writes with a smaller declared size take the streamed single PUT.
 */
import { test } from 'node:test';
import { storeConformanceSuite, type StoreHarness } from './conformance.suite.js';
import { BucketProbe, freshBucket, openTestDriver, s3SkipReason } from './s3-fixture.js';

async function harness(): Promise<StoreHarness> {
  const bucket = freshBucket('glance-ts-conf');
  const probe = new BucketProbe(bucket);
  const driver = await openTestDriver(bucket, { largeObjectSizeMiB: 5, largeObjectChunkSizeMiB: 5 });
  return {
    driver,
    residue: () => probe.residue(),
    missing: (id) => driver.locationOf(id),
    cleanup: async () => {
      await driver.close();
      await probe.remove();
    },
  };
}

const skip = await s3SkipReason();
if (skip !== null) test('store conformance: s3 (Swift s3api)', { skip }, () => undefined);
else storeConformanceSuite('s3 (Swift s3api)', harness, { bigWriteBytes: 64 * 1024 * 1024 });
