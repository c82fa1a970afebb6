/**
 * The one access key local SageMaker admits. The server makes a random pair per state folder on first start
 * and keeps it in `<stateDir>/credentials`, an AWS shared-credentials file with a single `[local]` profile,
 * so any client (the toolkit, the AWS CLI or boto3 with AWS_SHARED_CREDENTIALS_FILE and AWS_PROFILE=local)
 * signs with it as with any other profile. The file is the secret: it appears complete and 0600 in one step,
 * is tightened if someone loosened it, and is refused when another user owns it.
 */
import { randomBytes, randomInt } from "node:crypto";
import {
  closeSync,
  existsSync,
  fchmodSync,
  fstatSync,
  linkSync,
  mkdirSync,
  openSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";

export interface LocalCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  /** The shared-credentials file they were read from. */
  file: string;
}

/** The profile name in the credentials file. */
export const LOCAL_PROFILE = "local";

const FILE_NAME = "credentials";
const KEY_ID_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";

/** Where a state folder keeps its credentials. */
export function localCredentialsFile(stateDir: string): string {
  return join(stateDir, FILE_NAME);
}

/** The state folder's credentials, generated and written on the first call, read back on every later one. */
export function ensureLocalCredentials(stateDir: string): LocalCredentials {
  const file = localCredentialsFile(stateDir);
  if (!existsSync(file)) {
    mkdirSync(stateDir, { recursive: true });
    publishOnce(file, formatCredentials(generateAccessKeyId(), generateSecretAccessKey()));
  }
  return readOwnCredentials(file);
}

/** The `[local]` profile of a shared-credentials file; other profiles, comments and spacing are ignored. */
export function readLocalCredentials(file: string): LocalCredentials {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
    throw new Error(
      `There are no local SageMaker credentials at ${file}. Local SageMaker writes them to its state folder ` +
        "when it starts (npm run local): start it once, or pass the credentials file of the state folder it uses.",
    );
  }
  return parseLocalProfile(text, file);
}

/** `AKIA` and 16 random upper-case letters and digits, the shape of an IAM user's access key id. */
function generateAccessKeyId(): string {
  let id = "AKIA";
  for (let i = 0; i < 16; i++) id += KEY_ID_ALPHABET[randomInt(KEY_ID_ALPHABET.length)];
  return id;
}

/** 40 base64 characters (240 random bits), the shape of an IAM secret access key. */
function generateSecretAccessKey(): string {
  return randomBytes(30).toString("base64");
}

function formatCredentials(accessKeyId: string, secretAccessKey: string): string {
  return `[${LOCAL_PROFILE}]\naws_access_key_id = ${accessKeyId}\naws_secret_access_key = ${secretAccessKey}\n`;
}

/**
 * Creates `file` with `text` unless it exists. The text goes to a private temporary file first, which is
 * then hard-linked into place: the link appears complete and 0600 at once, and unlike a rename it fails
 * when another process got there first, so two servers starting together end up with one key, not two.
 */
function publishOnce(file: string, text: string): void {
  const temporary = `${file}.${process.pid}.${randomBytes(6).toString("hex")}.tmp`;
  try {
    // "wx" creates the file with mode 0o600 and refuses anything already at that name, a planted link included.
    writeFileSync(temporary, text, { flag: "wx", mode: 0o600 });
    try {
      linkSync(temporary, file);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
    }
  } finally {
    rmSync(temporary, { force: true });
  }
}

/**
 * Reads the server's own credentials file through one descriptor, so the checks and the read see the same
 * file: it must be a regular file owned by this user (POSIX), and is tightened to 0600 if group or others
 * could read it.
 */
function readOwnCredentials(file: string): LocalCredentials {
  const fd = openSync(file, "r");
  try {
    const stats = fstatSync(fd);
    if (!stats.isFile()) {
      throw new Error(
        `${file} is not a regular file. Remove it so local SageMaker can write its credentials there.`,
      );
    }
    const uid = process.getuid?.();
    if (uid !== undefined && stats.uid !== uid) {
      throw new Error(
        `${file} belongs to user id ${stats.uid}, not to you (${uid}), so someone else could have written or ` +
          "read the key in it. Remove the file (local SageMaker then makes a new key) or chown it to yourself.",
      );
    }
    if (process.platform !== "win32" && (stats.mode & 0o077) !== 0) fchmodSync(fd, 0o600);
    return parseLocalProfile(readFileSync(fd, "utf8"), file);
  } finally {
    closeSync(fd);
  }
}

function parseLocalProfile(text: string, file: string): LocalCredentials {
  const profile = profileEntries(text, LOCAL_PROFILE);
  if (profile === undefined) {
    throw new Error(
      `${file} has no [${LOCAL_PROFILE}] profile. Remove the file and restart local SageMaker to make new ` +
        `credentials, or add a [${LOCAL_PROFILE}] section with aws_access_key_id and aws_secret_access_key.`,
    );
  }
  return {
    accessKeyId: requiredEntry(profile, "aws_access_key_id", file),
    secretAccessKey: requiredEntry(profile, "aws_secret_access_key", file),
    file,
  };
}

function requiredEntry(profile: ReadonlyMap<string, string>, name: string, file: string): string {
  const value = profile.get(name);
  if (!value) {
    throw new Error(
      `The [${LOCAL_PROFILE}] profile in ${file} has no ${name}. Add "${name} = ..." to it, or remove the ` +
        "file and restart local SageMaker to make new credentials.",
    );
  }
  return value;
}

/**
 * The `key = value` entries of one INI section, as AWS tools read shared-credentials files: `#` and `;`
 * start comment lines, names are case-insensitive, `[profile NAME]` (the config-file spelling) also counts.
 */
function profileEntries(text: string, name: string): Map<string, string> | undefined {
  let entries: Map<string, string> | undefined;
  let inProfile = false;
  for (const rawLine of text.split(/\r?\n/)) {
    const line = rawLine.trim();
    if (line === "" || line.startsWith("#") || line.startsWith(";")) continue;
    if (line.startsWith("[") && line.endsWith("]")) {
      const section = line
        .slice(1, -1)
        .trim()
        .replace(/^profile\s+/, "");
      inProfile = section === name;
      if (inProfile) entries ??= new Map();
      continue;
    }
    const equals = line.indexOf("=");
    if (!inProfile || equals <= 0) continue;
    entries?.set(line.slice(0, equals).trim().toLowerCase(), line.slice(equals + 1).trim());
  }
  return entries;
}
