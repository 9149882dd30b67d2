/**
 * Generated documents for the retrieval benchmark: business prose from department vocabularies with
 * a Zipf-like word distribution (a few words common, most rare), reproducible from a seed.
 */
const COMMON = 'team project plan update review process customer service report quarter meeting policy data system support goal result change issue team owner timeline budget risk status'.split(' ');
const DOMAINS: Record<string, string> = {
  engineering:
    'deployment kubernetes latency outage incident postmortem rollback migration database schema index cache replica shard api endpoint gateway throughput benchmark regression pipeline build release canary feature flag refactor typescript compiler dependency vulnerability patch kernel network packet timeout retry queue consumer producer kafka partition observability tracing metrics alert oncall pager runbook terraform cluster node container image registry',
  finance:
    'revenue forecast budget variance invoice ledger accrual depreciation capex opex margin ebitda cashflow liquidity audit reconciliation payable receivable payroll tax vat treasury hedge currency exchange dividend valuation procurement vendor contract spend allocation headcount cost center reimbursement expense approval fiscal quarter close',
  hr: 'onboarding offboarding benefits pension salary bands compensation promotion performance review calibration hiring recruiter interview candidate offer leave parental vacation sick policy handbook conduct harassment diversity inclusion training mentorship wellbeing retention attrition survey engagement relocation visa',
  company:
    'mission values strategy announcement allhands townhall office holiday calendar security awareness phishing password laptop travel expense guideline brand newsletter volunteering sustainability charity anniversary celebration facilities parking cafeteria wifi badge',
  falcon:
    'falcon contractor milestone deliverable prototype firmware sensor telemetry drone flight controller gimbal battery payload navigation lidar camera calibration testbench integration acceptance statement work invoice handover',
};


const DOMAIN_NAMES = Object.keys(DOMAINS);
const WORDS = Object.fromEntries(DOMAIN_NAMES.map((d) => [d, DOMAINS[d]!.split(' ')]));

/** Zipf-ish pick: index ~ floor(n * u^3) favours the head of the list. */
function pick(rand: () => number, words: readonly string[]): string {
  return words[Math.floor(words.length * rand() ** 3)]!;
}

export interface GeneratedDoc {
  readonly id: string;
  readonly title: string;
  readonly body: string;
}

export function generateDoc(rand: () => number, i: number): GeneratedDoc {
  const domain = DOMAIN_NAMES[i % DOMAIN_NAMES.length]!;
  const words = WORDS[domain]!;
  const title = `${cap(pick(rand, words))} ${pick(rand, words)} ${pick(rand, COMMON)} ${i}`;
  const sentences: string[] = [];
  const n = 5 + Math.floor(rand() * 6);
  for (let s = 0; s < n; s++) {
    const len = 8 + Math.floor(rand() * 10);
    const ws: string[] = [];
    for (let w = 0; w < len; w++) ws.push(rand() < 0.3 ? pick(rand, COMMON) : rand() < 0.05 ? pick(rand, WORDS[DOMAIN_NAMES[Math.floor(rand() * DOMAIN_NAMES.length)]!]!) : pick(rand, words));
    sentences.push(`${cap(ws.join(' '))}.`);
  }
  return { id: `doc-${String(i).padStart(6, '0')}`, title, body: `# ${title}\n\n${sentences.join(' ')}` };
}

/** Queries of one to three words drawn from the same vocabularies. */
export function generateQuery(rand: () => number): string {
  const words = WORDS[DOMAIN_NAMES[Math.floor(rand() * DOMAIN_NAMES.length)]!]!;
  const n = 1 + Math.floor(rand() * 3);
  return Array.from({ length: n }, () => words[Math.floor(rand() * words.length)]!).join(' ');
}

function cap(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}
