import { createContext } from "preact";
import { useContext } from "preact/hooks";

/** The console's words in Korean and English. AWS's own names (statuses, API members) stay as AWS spells them. */

export type Lang = "ko" | "en";

const MESSAGES = {
  title: ["로컬 SageMaker 콘솔", "Local SageMaker console"],
  overview: ["개요", "Overview"],
  training: ["학습 작업", "Training jobs"],
  transform: ["배치 변환 작업", "Batch transform jobs"],
  models: ["모델과 엔드포인트 구성", "Models and endpoint configs"],
  endpoints: ["엔드포인트", "Endpoints"],
  lambda: ["Lambda 함수", "Lambda functions"],
  s3: ["S3", "S3"],
  logs: ["CloudWatch Logs", "CloudWatch Logs"],
  alarms: ["경보", "Alarms"],
  groupSageMaker: ["SageMaker", "SageMaker"],
  groupInference: ["추론", "Inference"],
  groupData: ["데이터와 모니터링", "Data and monitoring"],
  signOut: ["로그아웃", "Sign out"],
  live: ["실시간", "Live"],
  reconnecting: ["다시 연결 중…", "Reconnecting…"],
  loading: ["불러오는 중…", "Loading…"],
  signedOutTitle: ["로그인이 필요합니다", "Sign-in needed"],
  signedOutText: [
    "세션이 없거나 끝났습니다(서버가 다시 시작되면 세션도 끝납니다). npm run local이 출력한 링크, 랩 1.1이 출력한 링크, 또는 npm run console로 만든 새 링크를 여세요.",
    "There is no session, or it ended (a restarted server ends its sessions). Open the link npm run local printed, the one lab 1.1 prints, or a new one from npm run console.",
  ],
  notFound: ["찾을 수 없습니다", "Not found"],
  none: ["없음", "None"],
  name: ["이름", "Name"],
  status: ["상태", "Status"],
  created: ["생성", "Created"],
  modified: ["수정", "Modified"],
  started: ["시작", "Started"],
  ended: ["종료", "Ended"],
  duration: ["걸린 시간", "Duration"],
  count: ["개수", "Count"],
  counts: ["자원", "Resources"],
  running: ["실행 중인 작업과 서비스 중인 엔드포인트", "Running work and serving endpoints"],
  failures: ["최근 실패", "Recent failures"],
  alarmsFiring: ["ALARM 상태의 경보", "Alarms in ALARM"],
  trainingJobs: ["학습 작업", "Training jobs"],
  modelCount: ["모델", "Models"],
  transformJobs: ["배치 변환 작업", "Transform jobs"],
  endpointConfigs: ["엔드포인트 구성", "Endpoint configs"],
  lambdaFunctions: ["Lambda 함수", "Lambda functions"],
  buckets: ["버킷", "Buckets"],
  logGroups: ["로그 그룹", "Log groups"],
  kind: ["종류", "Kind"],
  trainingJob: ["학습 작업", "Training job"],
  transformJob: ["배치 변환 작업", "Transform job"],
  endpoint: ["엔드포인트", "Endpoint"],
  lambdaFunction: ["Lambda 함수", "Lambda function"],
  reason: ["이유", "Reason"],
  since: ["부터", "Since"],
  summary: ["요약", "Summary"],
  timeline: ["상태 기록", "Status history"],
  hyperparameters: ["하이퍼파라미터", "Hyperparameters"],
  channels: ["입력 채널", "Input channels"],
  channel: ["채널", "Channel"],
  metrics: ["지표", "Metrics"],
  finalMetrics: ["최종 지표", "Final metrics"],
  metricDefinitions: ["지표 정의", "Metric definitions"],
  log: ["로그", "Log"],
  artifact: ["모델 아티팩트", "Model artifact"],
  image: ["이미지", "Image"],
  instance: ["인스턴스", "Instance"],
  instances: ["인스턴스", "Instances"],
  instanceType: ["인스턴스 유형", "Instance type"],
  stop: ["중지", "Stop"],
  stopJob: ["작업 중지", "Stop job"],
  confirm: ["정말 실행할까요? 한 번 더 누르세요", "Sure? Click again"],
  deleteEndpoint: ["엔드포인트 삭제", "Delete endpoint"],
  done: ["요청했습니다", "Requested"],
  download: ["내려받기", "Download"],
  preview: ["미리 보기", "Preview"],
  noPreview: ["미리 볼 수 없는 객체입니다(텍스트나 JSON이 아님)", "No preview (not text or JSON)"],
  truncated: ["앞부분만 보여 줍니다", "Showing the beginning only"],
  size: ["크기", "Size"],
  contentType: ["콘텐츠 유형", "Content type"],
  input: ["입력", "Input"],
  output: ["출력", "Output"],
  outputs: ["출력 객체", "Output objects"],
  model: ["모델", "Model"],
  containers: ["컨테이너", "Containers"],
  environment: ["환경 변수", "Environment"],
  mode: ["모드", "Mode"],
  config: ["구성", "Configuration"],
  variants: ["프로덕션 변형", "Production variants"],
  variant: ["변형", "Variant"],
  weight: ["가중치", "Weight"],
  currentDesired: ["현재 / 목표", "Current / desired"],
  serverless: ["서버리스", "Serverless"],
  processes: ["실행 중인 컨테이너", "Running containers"],
  pid: ["PID", "PID"],
  restarts: ["재시작", "Restarts"],
  hostname: ["호스트 이름", "Hostname"],
  fleet: ["플릿", "Fleet"],
  fleetServing: ["서비스 중", "Serving"],
  fleetNew: ["새 플릿(배포 중)", "New fleet (deploying)"],
  trafficShare: ["트래픽 비율", "Traffic share"],
  inFlight: ["처리 중 요청", "In flight"],
  deployment: ["배포 진행", "Deployment"],
  noDeployment: ["진행 중인 배포가 없습니다", "No deployment in progress"],
  lastDeployment: ["마지막 배포 설정", "Last deployment config"],
  stage: ["단계", "Stage"],
  asyncQueue: ["비동기 요청 대기열", "Async request queue"],
  backlog: ["대기 중 요청", "Backlog"],
  maxConcurrent: ["인스턴스당 동시 요청", "Concurrent per instance"],
  failurePath: ["실패 위치", "Failure path"],
  outputPath: ["출력 위치", "Output path"],
  charts: ["CloudWatch 지표(최근 15분)", "CloudWatch metrics (last 15 minutes)"],
  autoscaling: ["오토 스케일링", "Auto scaling"],
  targets: ["확장 대상", "Scalable targets"],
  policies: ["정책", "Policies"],
  activities: ["활동", "Activities"],
  minMax: ["최소 / 최대", "Min / max"],
  suspended: ["일시 중지", "Suspended"],
  targetValue: ["목표 값", "Target"],
  metric: ["지표", "Metric"],
  cooldowns: ["쿨다운(축소/확장, 초)", "Cooldowns (in/out, s)"],
  description: ["설명", "Description"],
  cause: ["원인", "Cause"],
  usedBy: ["사용하는 곳", "Used by"],
  runtime: ["런타임", "Runtime"],
  handler: ["핸들러", "Handler"],
  memory: ["메모리(MB)", "Memory (MB)"],
  timeout: ["제한 시간(초)", "Timeout (s)"],
  invocations: ["호출", "Invocations"],
  coldStarts: ["콜드 스타트", "Cold starts"],
  errors: ["오류", "Errors"],
  throttles: ["제한(Throttles)", "Throttles"],
  lastInit: ["마지막 초기화 시간", "Last init duration"],
  lastDuration: ["마지막 실행 시간", "Last duration"],
  environments: ["실행 환경", "Execution environments"],
  sinceStart: ["서버 시작 이후", "since the server started"],
  bucket: ["버킷", "Bucket"],
  prefix: ["접두사", "Prefix"],
  folders: ["폴더(접두사)", "Folders (prefixes)"],
  objects: ["객체", "Objects"],
  group: ["로그 그룹", "Log group"],
  streams: ["로그 스트림", "Log streams"],
  stream: ["스트림", "Stream"],
  lastEvent: ["마지막 이벤트", "Last event"],
  search: ["검색", "Search"],
  searchPlaceholder: [
    '필터 패턴(예: ERROR, "eval_accuracy")',
    'Filter pattern (e.g. ERROR, "eval_accuracy")',
  ],
  events: ["이벤트", "Events"],
  time: ["시각", "Time"],
  message: ["메시지", "Message"],
  threshold: ["임계값", "Threshold"],
  history: ["상태 변경 기록", "State changes"],
  actions: ["작업", "Actions"],
  noData: ["아직 데이터가 없습니다", "No data yet"],
  empty: ["아직 아무것도 없습니다", "Nothing here yet"],
  failureReason: ["실패 이유", "Failure reason"],
  arn: ["ARN", "ARN"],
  role: ["실행 역할", "Execution role"],
  value: ["값", "Value"],
  regex: ["정규식", "Regex"],
  back: ["목록으로", "Back to the list"],
  language: ["English", "한국어"],
  state: ["상태", "State"],
  lastUsed: ["마지막 사용", "Last used"],
  splitType: ["SplitType", "SplitType"],
  batchStrategy: ["BatchStrategy", "BatchStrategy"],
  seconds: ["초", "s"],
} as const satisfies Record<string, readonly [string, string]>;

export type MessageKey = keyof typeof MESSAGES;

export function translate(lang: Lang, key: string): string {
  const entry = (MESSAGES as Record<string, readonly [string, string]>)[key];
  if (!entry) return key;
  return lang === "ko" ? entry[0] : entry[1];
}

export interface LangContext {
  lang: Lang;
  t(key: MessageKey | string): string;
}

export const I18n = createContext<LangContext>({ lang: "ko", t: (key) => translate("ko", key) });

export function useI18n(): LangContext {
  return useContext(I18n);
}

const LANG_STORAGE = "local-sagemaker-console-lang";

export function savedLang(): Lang {
  const saved = localStorage.getItem(LANG_STORAGE);
  if (saved === "ko" || saved === "en") return saved;
  return "ko";
}

export function saveLang(lang: Lang): void {
  localStorage.setItem(LANG_STORAGE, lang);
}
