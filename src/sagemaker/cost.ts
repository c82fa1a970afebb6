import { withParticle } from "../common/josa";
import type { WorkshopConfig } from "./config";

/**
 * Approximate on-demand SageMaker prices in USD per instance-hour (us-east-1 list prices; Seoul is about
 * 10-25% higher). They are for planning a lab, not billing: the AWS pricing page is the authority.
 */
const PRICE_PER_HOUR: Readonly<Record<string, number>> = {
  "ml.t2.medium": 0.056,
  "ml.m5.large": 0.115,
  "ml.m5.xlarge": 0.23,
  "ml.m5.2xlarge": 0.461,
  "ml.c5.large": 0.102,
  "ml.c5.xlarge": 0.204,
  "ml.c5.2xlarge": 0.408,
  "ml.g4dn.xlarge": 0.736,
  "ml.g4dn.2xlarge": 0.94,
  "ml.g4dn.12xlarge": 4.89,
  "ml.g5.xlarge": 1.408,
  "ml.g5.2xlarge": 1.515,
  "ml.g5.12xlarge": 7.09,
  "ml.p3.2xlarge": 3.825,
  "ml.p3.16xlarge": 28.152,
  "ml.p4d.24xlarge": 37.688,
};

export const instancePricePerHour = (instanceType: string): number | undefined =>
  PRICE_PER_HOUR[instanceType];

export interface CostItem {
  /** What the cell creates, e.g. "training job" or "real-time endpoint". */
  what: string;
  instanceType: string;
  instanceCount?: number;
  /** Expected run time; endpoints bill until deleted, so leave it out for them. */
  hours?: number;
}

/** Korean names of the things labs create, for the Korean half of a notice; others are shown as given. */
const KOREAN_NAMES: [RegExp, (match: RegExpMatchArray) => string][] = [
  [/^training job$/, () => "학습 작업"],
  [/^real-time endpoint$/, () => "실시간 엔드포인트"],
  [/^asynchronous endpoint$/, () => "비동기 엔드포인트"],
  [/^serverless endpoint$/, () => "서버리스 엔드포인트"],
  [/^Hub model endpoint$/, () => "Hub 모델 엔드포인트"],
  [/^(\d+) batch transform jobs?\b.*$/, (m) => `배치 변환 작업 ${m[1]}개`],
  [/^Lambda function$/, () => "Lambda 함수"],
];

function koreanName(what: string): string {
  for (const [pattern, name] of KOREAN_NAMES) {
    const match = what.match(pattern);
    if (match) return name(match);
  }
  return what;
}

const usd = (value: number): string => `$${value.toFixed(value < 1 ? 3 : 2)}`;

/**
 * The sentence a lab prints before a cell creates something. Local mode costs nothing and says so;
 * AWS mode names the instance, its hourly price and, for jobs, an estimate.
 */
export function costNotice(config: WorkshopConfig, items: CostItem[]): string {
  if (config.mode === "local") {
    const what = items.map((item) => koreanName(item.what)).join(", ");
    return `로컬 모드: ${withParticle(what, "은/는")} 이 컴퓨터에서 실행되며 비용이 들지 않습니다. (local mode: runs on this machine, free)`;
  }
  const lines = items.map((item) => {
    const count = item.instanceCount ?? 1;
    const price = instancePricePerHour(item.instanceType);
    const rate = price === undefined ? "price unknown: check the SageMaker pricing page" : `${usd(price)}/h`;
    const estimate =
      price !== undefined && item.hours !== undefined
        ? `, about ${usd(price * count * item.hours)} for ${item.hours} h`
        : price !== undefined
          ? ", 지울 때까지 시간마다 과금 (billed every hour until deleted)"
          : "";
    return `- ${item.what}: ${count} × ${item.instanceType} (${rate}${estimate})`;
  });
  const consent = config.confirmCosts
    ? "SM_CONFIRM_COSTS가 설정되어 있어 다음 셀들이 이 리소스를 만듭니다. (SM_CONFIRM_COSTS is set: the next cells will create these resources.)"
    : '동의하기 전에는 아무것도 만들지 않습니다: SM_CONFIRM_COSTS=1(또는 설정 파일의 "confirmCosts": true)을 두고 다시 실행하세요. ' +
      '(Nothing will be created until you opt in: set SM_CONFIRM_COSTS=1 (or "confirmCosts": true in the config file) and re-run.)';
  return [`AWS 모드 비용 안내 (${config.region}, approximate on-demand prices):`, ...lines, consent].join(
    "\n",
  );
}

export class CostConsentError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "CostConsentError";
  }
}

/** Every helper that creates a billable resource calls this first: in AWS mode nothing happens without consent. */
export function assertCostConsent(config: WorkshopConfig, what: string): void {
  if (config.mode === "aws" && !config.confirmCosts) {
    throw new CostConsentError(
      `비용이 드는 ${withParticle(koreanName(what), "을/를")} AWS에 만들지 않았습니다: 아직 동의하지 않았습니다. 위의 비용 안내를 읽고 ` +
        'SM_CONFIRM_COSTS=1(또는 .work/config.json의 "confirmCosts": true)을 두고 다시 실행하세요. ' +
        `(Not creating ${what} on AWS: it costs money and you have not opted in. ` +
        'Read the cost notice above, then set SM_CONFIRM_COSTS=1 (or "confirmCosts": true in .work/config.json) and re-run.)',
    );
  }
}
