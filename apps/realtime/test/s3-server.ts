import { type ChildProcess, spawn } from "node:child_process";
import { stopProcess } from "./processes";

export interface RunningS3 {
  /** Its endpoint, for S3_ENDPOINT (path-style addressing). */
  endpoint: string;
  bucket: string;
  /** s3rver's fixed credentials. */
  accessKeyId: string;
  secretAccessKey: string;
  /** The S3_* settings that point a Parley process at it (S3_PREFIX left at its default). */
  settings: Record<string, string>;
  stop(): Promise<void>;
}

/**
 * s3rver (an S3-protocol server on the file system, from npm) as a process of its own, serving one
 * bucket whose objects live under `directory`; resolves when it listens. Its credentials are fixed
 * (S3RVER / S3RVER): it refuses an unknown access key with 403, but does not verify the SigV4
 * signature itself, so a forged presigned link cannot be told from a true one here.
 */
export function startS3(directory: string, bucket = "parley-files"): Promise<RunningS3> {
  const script = `
    const S3rver = require("s3rver");
    new S3rver({ address: "127.0.0.1", port: 0, silent: true, directory: process.argv[1],
      configureBuckets: [{ name: process.argv[2] }] })
      .run().then(({ port }) => console.log(JSON.stringify({ listening: port })));
  `;
  const child: ChildProcess = spawn(process.execPath, ["-e", script, directory, bucket], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  return new Promise((resolve, reject) => {
    let out = "";
    child.stdout?.on("data", (chunk: Buffer) => {
      out += chunk.toString();
      const port = /"listening":(\d+)/.exec(out)?.[1];
      if (port) {
        resolve({
          endpoint: `http://127.0.0.1:${port}`,
          bucket,
          accessKeyId: "S3RVER",
          secretAccessKey: "S3RVER",
          settings: {
            S3_BUCKET: bucket,
            S3_REGION: "us-east-1",
            S3_ENDPOINT: `http://127.0.0.1:${port}`,
            S3_ACCESS_KEY_ID: "S3RVER",
            S3_SECRET_ACCESS_KEY: "S3RVER",
            S3_FORCE_PATH_STYLE: "true",
          },
          stop: () => stopProcess(child),
        });
      }
    });
    child.stderr?.on("data", (chunk: Buffer) => {
      out += chunk.toString();
    });
    child.once("exit", (code) => reject(new Error(`s3rver exited with ${code}: ${out}`)));
  });
}
