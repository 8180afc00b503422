/** @jsxImportSource hono/jsx */
/**
 * The public vote's pages: the ballot of a track, the receipts after voting, and the receipt check.
 *
 * - `GET /a/:slug/vote/:track`: one form with a fieldset per category of the track. Each category that takes a
 *   vote carries a fresh random nonce, so sending the same form twice (a double tap, a reload after a lost
 *   response) gives the same receipts back and never a second ballot (ballots/service.ts `castBallot`).
 * - `POST` casts one ballot per chosen category, one after the other; a refusal in one category does not stop
 *   the others. When at least one ballot is recorded it answers 303 to the receipts page, whose address carries
 *   the receipts (the server keeps none) and the categories refused, by a fixed reason word; when none is, the
 *   form again with a message in each refused category and the refusal's status.
 * - `GET /a/:slug/receipts?r=…&r=…`: each receipt with its category and nominee.
 * - `GET /a/:slug/receipt[?r=…]`: the receipt check, with the inclusion proof verified here against the latest
 *   checkpoint (audit/merkle.ts `verifyInclusion`) and shown raw for checking it elsewhere.
 *
 * No page shows counts of votes. Every POST passes the CSRF checks first (403, nothing changed).
 */
import { Hono } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import type { CeremonyRow, TrackRow } from '../../db/schema';
import { bytesToHex } from '../audit/canonical';
import { leafHash, verifyInclusion } from '../audit/merkle';
import { formatReceipt, parseReceipt } from '../audit/receipts';
import { checkReceipt } from '../ballots/proofs';
import { castBallot, votedCategories } from '../ballots/service';
import { isListed, type NomineeContent, rulesOf } from '../ceremonies/model';
import type { LocalizedText } from '../ceremonies/schemas';
import type { AppDeps } from '../deps';
import { ApiError, isStorageUnavailable } from '../errors';
import { clientAddress, networkOf } from '../http/client';
import type { Env } from '../http/router';
import { type MessageKey } from '../i18n/messages';
import type { VoterSession } from '../identity/sessions';
import {
  BallotClosed,
  type BallotCategory,
  BallotPage,
  type BallotView,
  BallotVerifyFirst,
  type NotRecordedItem,
  type ReceiptItem,
  ReceiptsPage,
  takesVote,
} from './ballot-pages';
import { pickText } from './format';
import { BALLOT_STATUSES, type BallotStatus, ReceiptCheckPage, ReceiptFormPage } from './receipt-pages';
import { type AwardPage, type C, openAwardPage, csrfFailed, errorPage, privatePage, render } from './render';
import { csrfToken, currentVoter, originGuard, verifiedForm } from './security';

/** Whether an award takes ballots at `now` (the database clock): phase voting, inside the window. */
export function takingVotes(c: Pick<CeremonyRow, 'phase' | 'voting_opens' | 'voting_closes'>, now: number): boolean {
  return (
    c.phase === 'voting' &&
    (c.voting_opens === null || c.voting_opens <= now) &&
    (c.voting_closes === null || now < c.voting_closes)
  );
}

/** Whether ballots may exist: the vote has opened (the rules froze with it), so receipts can be checked. */
export const checksReceipts = (c: Pick<CeremonyRow, 'phase' | 'rules_hash'>) =>
  c.rules_hash !== null && !['draft', 'nominating'].includes(c.phase);

/** The nonce of the API's BallotInput (ballots/routes.ts). */
const NONCE = /^[A-Za-z0-9_-]{16,64}$/;
/** Receipts one receipts page shows: a track has at most 100 categories. */
const MAX_RECEIPTS = 100;

/** A fresh nonce for one category of one form: 128 random bits, base64url. */
function newNonce(): string {
  let binary = '';
  for (const b of crypto.getRandomValues(new Uint8Array(16))) binary += String.fromCharCode(b);
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

/**
 * Why a category's ballot was not recorded, as one word of a fixed set (it travels in the receipts page's
 * address), with the page's message and the status a form of refusals only is answered with.
 */
const REFUSALS = {
  voted: { key: 'vote.error.voted', status: 409 },
  closed: { key: 'vote.error.closed', status: 409 },
  gone: { key: 'vote.error.gone', status: 404 },
  changed: { key: 'vote.error.changed', status: 409 },
  expired: { key: 'vote.error.expired', status: 400 },
  limit: { key: 'vote.error.limit', status: 429 },
  busy: { key: 'vote.error.busy', status: 503 },
  failed: { key: 'vote.error.failed', status: 500 },
} as const satisfies Record<string, { key: MessageKey; status: ContentfulStatusCode }>;
type Refusal = keyof typeof REFUSALS;
const isRefusal = (word: string): word is Refusal => Object.hasOwn(REFUSALS, word);

function refusalOf(err: unknown, requestId: string): Refusal {
  if (err instanceof ApiError) {
    switch (err.code) {
      case 'already-voted':
        return 'voted';
      case 'wrong-phase':
        return 'closed';
      case 'not-found':
        return 'gone';
      case 'conflict':
        return 'changed';
      case 'validation-failed':
      case 'bad-request':
        return 'expired';
      case 'rate-limited':
        return 'limit';
      case 'busy':
      case 'storage-unavailable':
        return 'busy';
      default:
        if (err.status < 500) return 'changed';
    }
  }
  if (isStorageUnavailable(err)) return 'busy';
  // A defect: the other categories still go on, and their receipts are not lost with this one.
  console.error(
    JSON.stringify({
      level: 'error',
      requestId,
      msg: 'ballot page failed',
      error: err instanceof Error ? (err.stack ?? String(err)) : String(err),
    }),
  );
  return 'failed';
}

type Page = AwardPage;

const named = (content: string) => JSON.parse(content) as { name?: LocalizedText; description?: LocalizedText };

export function ballotPageRoutes(deps: AppDeps) {
  const web = new Hono<Env>();
  const sameOrigin = originGuard(deps);

  const open = (c: C): Promise<Page> => openAwardPage(deps, c);

  const text = (p: Page, value: LocalizedText | undefined) => pickText(value, p.lang, p.fallback);

  /** The ballot of a track: its categories in order with their listed nominees, and where the person voted. */
  const ballotView = (p: Page, track: TrackRow, voted: ReadonlySet<string>, nonces: boolean): BallotView => {
    const view: BallotView = {
      award: p.ref,
      track: {
        slug: track.slug,
        name: text(p, named(track.content).name),
        description: text(p, named(track.content).description),
      },
      voteChange: rulesOf(p.award).voteChange,
      categories: [],
    };
    for (const cat of p.award.categories.filter((x) => x.track_id === track.id)) {
      const nominees = p.award.nominees
        .filter((n) => n.category_id === cat.id && isListed(n))
        .sort((a, b) => a.position - b.position)
        .map((n) => {
          const content = JSON.parse(n.content) as NomineeContent;
          return {
            slug: n.slug,
            name: text(p, content.name),
            affiliation: text(p, content.affiliation),
            region: text(p, content.region),
          };
        });
      const category: BallotCategory = {
        slug: cat.slug,
        name: text(p, named(cat.content).name),
        description: text(p, named(cat.content).description),
        nominees,
        voted: voted.has(cat.id),
      };
      view.categories.push(category);
    }
    for (const cat of view.categories) if (nonces && takesVote(view, cat)) cat.nonce = newNonce();
    return view;
  };

  /** The track of the ballot page (a 404 page for an unknown one), and what every ballot page needs. */
  const ballotOf = async (c: C) => {
    const p = await open(c);
    const track = p.award.tracks.find((x) => x.slug === c.req.param('track'));
    if (!track) throw new ApiError('not-found', 'No such track.');
    const path = `/a/${encodeURIComponent(p.award.ceremony.slug)}/vote/${encodeURIComponent(track.slug)}`;
    const title = p.t('vote.title', { track: text(p, named(track.content).name).text });
    const isOpen = takingVotes(p.award.ceremony, await deps.store.readNow());
    const voter = await currentVoter(deps, c, p.award.ceremony.id);
    return { p, track, frame: { lang: p.lang, t: p.t, title, path }, isOpen, voter };
  };

  const votedSet = async (p: Page, voter: VoterSession) =>
    new Set(await votedCategories(deps, p.award.ceremony.id, voter.personKey));

  type Ballot = Awaited<ReturnType<typeof ballotOf>>;

  /** The page instead of the ballot: the vote is not open (409), or the person has not verified (or expired). */
  const notBallot = (c: C, { p, track, frame, isOpen, voter }: Ballot, unverified: ContentfulStatusCode) => {
    const view = ballotView(p, track, new Set(), false);
    if (!isOpen) {
      const receipts = checksReceipts(p.award.ceremony);
      return render(c, 409, frame, <BallotClosed t={p.t} lang={p.lang} view={view} receipts={receipts} />);
    }
    if (!voter) return render(c, unverified, frame, <BallotVerifyFirst t={p.t} lang={p.lang} view={view} />);
    return null;
  };

  web.get('/a/:slug/vote/:track', async (c) => {
    privatePage(c);
    const ballot = await ballotOf(c);
    const other = notBallot(c, ballot, 200);
    if (other) return other;
    const { p, track, frame } = ballot;
    const view = ballotView(p, track, await votedSet(p, ballot.voter!), true);
    return render(c, 200, frame, <BallotPage t={p.t} lang={p.lang} view={view} token={csrfToken(c)} />);
  });

  web.post('/a/:slug/vote/:track', async (c) => {
    privatePage(c);
    const form = await verifiedForm(c, sameOrigin);
    if (!form) return csrfFailed(c);
    const ballot = await ballotOf(c);
    const other = notBallot(c, ballot, 401);
    if (other) return other;
    const { p, track, frame } = ballot;
    const voter = ballot.voter!;
    const categories = p.award.categories.filter((x) => x.track_id === track.id);
    const chosen: Record<string, string> = {};
    for (const cat of categories) {
      const value = (form[`choice-${cat.slug}`] ?? '').trim().slice(0, 64);
      if (value) chosen[cat.slug] = value;
    }
    const formAgain = async (status: ContentfulStatusCode, errors: Record<string, string>, alert?: string) => {
      const view = ballotView(p, track, await votedSet(p, voter), true);
      return render(
        c,
        status,
        frame,
        <BallotPage
          t={p.t}
          lang={p.lang}
          view={view}
          token={csrfToken(c)}
          chosen={chosen}
          errors={errors}
          alert={alert}
        />,
      );
    };
    if (Object.keys(chosen).length === 0) return formAgain(400, {}, p.t('vote.error.none'));

    const signals = {
      network: networkOf(clientAddress(c, deps.config)),
      agent: c.req.header('user-agent')?.slice(0, 300) ?? '',
    };
    const lastCounts = rulesOf(p.award).voteChange === 'last-counts';
    const receipts: string[] = [];
    const refused: { slug: string; reason: Refusal }[] = [];
    // One category after the other: each is its own atomic batch, and a refusal in one stops none of the others.
    for (const cat of categories) {
      const nominee = chosen[cat.slug];
      if (!nominee) continue;
      const nonce = form[`nonce-${cat.slug}`] ?? '';
      if (!NONCE.test(nonce)) {
        refused.push({ slug: cat.slug, reason: 'expired' });
        continue;
      }
      try {
        const cast = await castBallot(deps, p.award, voter, { category: cat.id, nominee, nonce }, signals, p.lang);
        receipts.push(cast.receipt);
      } catch (err) {
        const reason = refusalOf(err, c.get('requestId'));
        // Under last-counts "already voted" means this form was sent before with another choice: reload it.
        refused.push({ slug: cat.slug, reason: reason === 'voted' && lastCounts ? 'changed' : reason });
      }
    }
    if (receipts.length === 0) {
      const errors = Object.fromEntries(refused.map((r) => [r.slug, p.t(REFUSALS[r.reason].key)]));
      // A category refused because the person voted there already is no choice to keep on the form.
      for (const r of refused) if (r.reason === 'voted' || r.reason === 'gone') delete chosen[r.slug];
      return formAgain(REFUSALS[refused[0]!.reason].status, errors);
    }
    const query = new URLSearchParams();
    for (const r of receipts) query.append('r', r);
    for (const r of refused) query.append('no', `${r.slug}:${r.reason}`);
    return c.redirect(`/a/${encodeURIComponent(p.award.ceremony.slug)}/receipts?${query}`, 303);
  });

  // ---------------------------------------------------------------------------------------- receipts

  /** Receipt pages name a ballot's choice: never cached, never indexed. */
  const receiptPage = (c: C) => {
    privatePage(c);
    c.header('x-robots-tag', 'noindex');
  };

  /** The ballot a receipt names, or null when no ballot of this award has it. */
  const check = async (p: Page, receipt: string) => {
    try {
      return await checkReceipt(deps, p.award.ceremony.id, receipt);
    } catch (err) {
      if (err instanceof ApiError && err.code === 'not-found') return null;
      throw err;
    }
  };

  const categoryName = (p: Page, id: string) => {
    const cat = p.award.categories.find((x) => x.id === id);
    return text(p, cat ? named(cat.content).name : undefined);
  };
  const nomineeName = (p: Page, id: string) => {
    const nominee = p.award.nominees.find((x) => x.id === id);
    return text(p, nominee ? (JSON.parse(nominee.content) as NomineeContent).name : undefined);
  };

  web.get('/a/:slug/receipts', async (c) => {
    receiptPage(c);
    const p = await open(c);
    const raw = c.req.queries('r') ?? [];
    const parsed = [...new Set(raw.slice(0, MAX_RECEIPTS).map((r) => parseReceipt(r)))];
    if (parsed.length === 0 || raw.length > MAX_RECEIPTS || parsed.includes(null))
      return errorPage(c, p.lang, 400, p.t('receipt.error.format'));
    const receipts: ReceiptItem[] = [];
    for (const canonical of parsed as string[]) {
      const found = await check(p, canonical);
      if (!found) return errorPage(c, p.lang, 404, p.t('receipt.error.unknown'));
      receipts.push({
        receipt: formatReceipt(canonical),
        category: categoryName(p, found.category),
        nominee: nomineeName(p, found.nominee),
      });
    }
    const notRecorded: NotRecordedItem[] = [];
    // The language links keep the receipts and the refusals (checked ones only).
    const query = new URLSearchParams(receipts.map((r) => ['r', r.receipt]));
    for (const item of (c.req.queries('no') ?? []).slice(0, MAX_RECEIPTS)) {
      const [slug = '', reason = ''] = item.split(':');
      const cat = p.award.categories.find((x) => x.slug === slug);
      if (!cat || !isRefusal(reason)) continue;
      notRecorded.push({ category: text(p, named(cat.content).name), message: p.t(REFUSALS[reason].key) });
      query.append('no', `${slug}:${reason}`);
    }
    const voter = await currentVoter(deps, c, p.award.ceremony.id);
    const path = `/a/${encodeURIComponent(p.award.ceremony.slug)}/receipts?${query}`;
    return render(
      c,
      200,
      { lang: p.lang, t: p.t, title: p.t('receipts.title'), path },
      <ReceiptsPage
        t={p.t}
        lang={p.lang}
        award={p.ref}
        path={path}
        receipts={receipts}
        notRecorded={notRecorded}
        mailed={!!voter?.email}
      />,
    );
  });

  web.get('/a/:slug/receipt', async (c) => {
    const p = await open(c);
    const base = `/a/${encodeURIComponent(p.award.ceremony.slug)}/receipt`;
    const raw = c.req.query('r');
    const formPage = (status: ContentfulStatusCode, error?: string) =>
      render(
        c,
        status,
        { lang: p.lang, t: p.t, title: p.t('receipt.title'), path: base },
        <ReceiptFormPage t={p.t} lang={p.lang} award={p.ref} value={raw?.slice(0, 80)} error={error} />,
      );
    if (raw === undefined) return formPage(200);
    receiptPage(c);
    const canonical = parseReceipt(raw);
    if (!canonical) return formPage(400, p.t('receipt.error.format'));
    const found = await check(p, canonical);
    if (!found) return formPage(404, p.t('receipt.error.unknown'));
    const receipt = formatReceipt(canonical);
    let proof = null;
    if (found.proof) {
      const leaf = await leafHash({ tracker: found.tracker, category: found.category, nominee: found.nominee });
      const { leafIndex, treeSize, path, root, checkpoint } = found.proof;
      proof = {
        verified: await verifyInclusion(leaf, leafIndex, treeSize, path, root),
        tracker: found.tracker,
        categoryId: found.category,
        nomineeId: found.nominee,
        leafIndex,
        leafHash: bytesToHex(leaf),
        path,
        treeSize,
        root,
        checkpoint,
      };
    }
    const every = rulesOf(p.award).checkpoints;
    if (!(BALLOT_STATUSES as readonly string[]).includes(found.status))
      throw new Error(`ballot status "${found.status}" has no words on the receipt page`);
    return render(
      c,
      200,
      { lang: p.lang, t: p.t, title: p.t('receipt.title'), path: `${base}?r=${encodeURIComponent(receipt)}` },
      <ReceiptCheckPage
        t={p.t}
        lang={p.lang}
        view={{
          award: p.ref,
          receipt,
          category: categoryName(p, found.category),
          nominee: nomineeName(p, found.nominee),
          status: found.status as BallotStatus,
          batch: found.batch,
          proof,
          checkpoints: { minutes: Math.ceil(every.everySeconds / 60), ballots: every.everyBallots },
          jsonHref: `/api/ceremonies/${encodeURIComponent(p.award.ceremony.slug)}/receipts/${receipt}`,
          checkpointsHref: `/api/ceremonies/${encodeURIComponent(p.award.ceremony.slug)}/checkpoints`,
        }}
      />,
    );
  });

  return web;
}
