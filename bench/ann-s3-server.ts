// The loopback S3 server of the shared-library tests (tests/store-shared/s3-server.ts: s3rver with S3's
// conditional puts, whole-object writes and a correct listing) in a process of its own, so that serving
// requests does not share the measured process's event loop:
//   node --import tsx bench/ann-s3-server.ts <bucket>   → prints "ENV <json>" (the AWS variables)
import { startS3Server } from '../tests/store-shared/s3-server.js';

const server = await startS3Server([process.argv[2] ?? 'lookbook-bench']);
console.log(`ENV ${JSON.stringify(server.env)}`);
process.on('SIGTERM', () => void server.stop().then(() => process.exit(0)));
