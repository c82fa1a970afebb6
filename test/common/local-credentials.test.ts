import {
  chmodSync,
  chownSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  ensureLocalCredentials,
  LOCAL_PROFILE,
  localCredentialsFile,
  readLocalCredentials,
} from "../../src/common/local-credentials";

const posix = process.platform !== "win32";
let dir: string;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "local-credentials-"));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe("ensureLocalCredentials", () => {
  it("generates an IAM-shaped key pair into a [local] profile, and nothing else", () => {
    const stateDir = join(dir, "state", "nested");
    const credentials = ensureLocalCredentials(stateDir);
    expect(credentials.file).toBe(join(stateDir, "credentials"));
    expect(credentials.accessKeyId).toMatch(/^AKIA[A-Z0-9]{16}$/);
    expect(credentials.secretAccessKey).toMatch(/^[A-Za-z0-9+/]{40}$/);
    expect(readFileSync(credentials.file, "utf8")).toBe(
      `[${LOCAL_PROFILE}]\naws_access_key_id = ${credentials.accessKeyId}\n` +
        `aws_secret_access_key = ${credentials.secretAccessKey}\n`,
    );
    // The temporary file it was written through is gone.
    expect(readdirSync(stateDir)).toEqual(["credentials"]);
  });

  it.skipIf(!posix)("creates the file with mode 0600", () => {
    const { file } = ensureLocalCredentials(dir);
    expect(statSync(file).mode & 0o777).toBe(0o600);
  });

  it("returns the same pair on later calls, and another pair for another state folder", () => {
    const first = ensureLocalCredentials(dir);
    const again = ensureLocalCredentials(dir);
    expect(again).toEqual(first);
    const other = ensureLocalCredentials(join(dir, "other"));
    expect(other.accessKeyId).not.toBe(first.accessKeyId);
    expect(other.secretAccessKey).not.toBe(first.secretAccessKey);
  });

  it.skipIf(!posix)("tightens a file that group or others could read", () => {
    const { file, accessKeyId } = ensureLocalCredentials(dir);
    chmodSync(file, 0o644);
    expect(ensureLocalCredentials(dir).accessKeyId).toBe(accessKeyId);
    expect(statSync(file).mode & 0o777).toBe(0o600);
  });

  it("keeps a pair the user wrote by hand, and refuses a file without the [local] profile", () => {
    const file = localCredentialsFile(dir);
    writeFileSync(
      file,
      "[local]\naws_access_key_id=AKIAHANDWRITTEN00001\naws_secret_access_key=hand/written\n",
    );
    expect(ensureLocalCredentials(dir)).toMatchObject({
      accessKeyId: "AKIAHANDWRITTEN00001",
      secretAccessKey: "hand/written",
    });
    writeFileSync(file, "[default]\naws_access_key_id = AKIAOTHER\n");
    expect(() => ensureLocalCredentials(dir)).toThrow(`${file} has no [local] profile. Remove the file`);
  });

  it.skipIf(!posix || process.getuid?.() !== 0)("refuses a file owned by another user", () => {
    const { file } = ensureLocalCredentials(dir);
    chownSync(file, 12345, 12345);
    expect(() => ensureLocalCredentials(dir)).toThrow(/belongs to user id 12345, not to you \(0\)/);
  });
});

describe("readLocalCredentials", () => {
  it("reads the [local] profile among others, with comments and loose spacing", () => {
    const file = join(dir, "credentials");
    writeFileSync(
      file,
      [
        "# AWS credentials",
        "[default]",
        "aws_access_key_id = AKIADEFAULT000000000",
        "aws_secret_access_key = default-secret",
        "",
        "; the workshop's local SageMaker",
        "  [ local ]  ",
        "AWS_ACCESS_KEY_ID=AKIALOCAL00000000001",
        "\taws_secret_access_key   =   local/secret+key=  ",
        "region = ap-northeast-2",
        "[profile work]",
        "aws_access_key_id = AKIAWORK000000000000",
        "aws_secret_access_key = work-secret",
      ].join("\r\n"),
    );
    expect(readLocalCredentials(file)).toEqual({
      accessKeyId: "AKIALOCAL00000000001",
      secretAccessKey: "local/secret+key=",
      file,
    });
  });

  it("says what is missing and how to get credentials", () => {
    const missing = join(dir, "nowhere", "credentials");
    expect(() => readLocalCredentials(missing)).toThrow(
      `There are no local SageMaker credentials at ${missing}`,
    );
    const file = join(dir, "credentials");
    writeFileSync(file, "[local]\naws_access_key_id = AKIALOCAL00000000001\n");
    expect(() => readLocalCredentials(file)).toThrow(
      `The [local] profile in ${file} has no aws_secret_access_key. Add "aws_secret_access_key = ..."`,
    );
  });

  it("reads what ensureLocalCredentials wrote", () => {
    const written = ensureLocalCredentials(dir);
    expect(readLocalCredentials(written.file)).toEqual(written);
  });
});
