/** @jsxImportSource hono/jsx */
/**
 * Page bodies of the receipt check: the form to enter a receipt (with the steps to check a receipt without
 * trusting this server), and the answer: the ballot's category and nominee, its status in words, its batch, and
 * the inclusion proof the server verified, with the raw proof in a <details> element for checking it elsewhere.
 * Plain view data in; nothing here reads the database or the request.
 */
import type { Lang, MessageKey, Translate } from '../i18n/messages';
import { ReceiptText, receiptHref } from './ballot-pages';
import type { Picked } from './format';
import { AwardCrumbs, Flash, langOf } from './pages';
import type { AwardRef } from './voter-pages';

export const BALLOT_STATUSES = ['counted', 'flagged', 'voided', 'superseded'] as const;
export type BallotStatus = (typeof BALLOT_STATUSES)[number];

export interface ReceiptProofView {
  /** verifyInclusion's answer, computed on the server. */
  verified: boolean;
  tracker: string;
  categoryId: string;
  nomineeId: string;
  leafIndex: number;
  leafHash: string;
  path: string[];
  treeSize: number;
  root: string;
  /** The checkpoint the proof is against (the latest). */
  checkpoint: number;
}

export interface ReceiptCheckView {
  award: AwardRef;
  /** The receipt in its readable grouped form. */
  receipt: string;
  category: Picked;
  nominee: Picked;
  status: BallotStatus;
  /** The batch of the ballot log that holds the ballot; null until its checkpoint. */
  batch: number | null;
  proof: ReceiptProofView | null;
  /** The rules' checkpoint interval, for a ballot not in the log yet. */
  checkpoints: { minutes: number; ballots: number };
  /** The JSON API's answer for this receipt, and the checkpoints. */
  jsonHref: string;
  checkpointsHref: string;
}

const HOW_ID = 'check-yourself';

function ReceiptCrumbs({ t, lang, award }: { t: Translate; lang: Lang; award: AwardRef }) {
  return (
    <AwardCrumbs t={t} lang={lang} award={award} trail={[{ href: receiptHref(award), label: t('receipt.title') }]} />
  );
}

function ReceiptForm({
  t,
  award,
  value,
  error,
}: {
  t: Translate;
  award: AwardRef;
  value?: string | undefined;
  error?: string | undefined;
}) {
  return (
    <form method="get" action={receiptHref(award)}>
      <label for="receipt">{t('receipt.label')}</label>
      <p class="hint" id="receipt-hint">
        {t('receipt.hint')}
      </p>
      {error ? (
        <p class="field-error" id="receipt-error">
          {error}
        </p>
      ) : null}
      <input
        id="receipt"
        name="r"
        type="text"
        autocomplete="off"
        autocapitalize="none"
        spellcheck={false}
        required
        maxlength={80}
        value={value}
        aria-invalid={error ? 'true' : undefined}
        aria-describedby={error ? 'receipt-hint receipt-error' : 'receipt-hint'}
      />
      <button type="submit">{t('receipt.submit')}</button>
    </form>
  );
}

/** The form to enter a receipt, and how to check one without this server; with the error of a bad receipt. */
export function ReceiptFormPage({
  t,
  lang,
  award,
  value,
  error,
}: {
  t: Translate;
  lang: Lang;
  award: AwardRef;
  value?: string | undefined;
  error?: string | undefined;
}) {
  return (
    <>
      <ReceiptCrumbs t={t} lang={lang} award={award} />
      <h1>{t('receipt.title')}</h1>
      <p>{t('receipt.intro')}</p>
      <ReceiptForm t={t} award={award} value={value} error={error} />
      <section aria-labelledby={HOW_ID}>
        <h2 id={HOW_ID}>{t('receipt.how')}</h2>
        <ol>
          <li>{t('receipt.how.tracker')}</li>
          <li>{t('receipt.how.leaf')}</li>
          <li>{t('receipt.how.path')}</li>
          <li>{t('receipt.how.root')}</li>
        </ol>
        <p class="muted">{t('receipt.how.spec')}</p>
      </section>
    </>
  );
}

function Hash({ value }: { value: string }) {
  return <code translate="no">{value}</code>;
}

function ProofDetails({ t, view, proof }: { t: Translate; view: ReceiptCheckView; proof: ReceiptProofView }) {
  return (
    <details>
      <summary>{t('receipt.proof')}</summary>
      <dl>
        <dt>{t('receipt.tracker')}</dt>
        <dd>
          <Hash value={proof.tracker} />
        </dd>
        <dt>{t('receipt.ids')}</dt>
        <dd>
          <Hash value={proof.categoryId} />, <Hash value={proof.nomineeId} />
        </dd>
        <dt>{t('receipt.leafIndex')}</dt>
        <dd>{proof.leafIndex}</dd>
        <dt>{t('receipt.leafHash')}</dt>
        <dd>
          <Hash value={proof.leafHash} />
        </dd>
        <dt>{t('receipt.path')}</dt>
        <dd>
          {proof.path.length ? (
            <ol class="hashes">
              {proof.path.map((h) => (
                <li>
                  <Hash value={h} />
                </li>
              ))}
            </ol>
          ) : (
            t('receipt.pathEmpty')
          )}
        </dd>
        <dt>{t('receipt.treeSize')}</dt>
        <dd>{proof.treeSize}</dd>
        <dt>{t('receipt.root')}</dt>
        <dd>
          <Hash value={proof.root} />
        </dd>
      </dl>
      <ul class="plain">
        <li>
          <a href={view.jsonHref}>{t('receipt.json')}</a>
        </li>
        <li>
          <a href={view.checkpointsHref}>{t('receipt.checkpoints')}</a>
        </li>
        <li>
          <a href={`${receiptHref(view.award)}#${HOW_ID}`}>{t('receipt.howLink')}</a>
        </li>
      </ul>
    </details>
  );
}

/** The answer for a known receipt. */
export function ReceiptCheckPage({ t, lang, view }: { t: Translate; lang: Lang; view: ReceiptCheckView }) {
  const { proof } = view;
  return (
    <>
      <ReceiptCrumbs t={t} lang={lang} award={view.award} />
      <h1>{t('receipt.title')}</h1>
      <ReceiptText receipt={view.receipt} />
      {proof ? (
        proof.verified ? (
          <Flash kind="notice">
            <span class="verified">
              {t('receipt.verified', { batch: view.batch ?? proof.checkpoint, size: proof.treeSize, root: proof.root })}
            </span>
          </Flash>
        ) : (
          <Flash kind="alert">{t('receipt.unverified')}</Flash>
        )
      ) : (
        <Flash kind="notice">{t('receipt.pending', view.checkpoints)}</Flash>
      )}
      <dl class="facts">
        <dt>{t('receipt.category')}</dt>
        <dd lang={langOf(view.category, lang)}>{view.category.text}</dd>
        <dt>{t('receipt.nominee')}</dt>
        <dd lang={langOf(view.nominee, lang)}>{view.nominee.text}</dd>
        <dt>{t('receipt.status')}</dt>
        <dd>
          <span class={`status status-${view.status}`}>{t(`receipt.status.${view.status}` as MessageKey)}</span>
        </dd>
        <dt>{t('receipt.batch')}</dt>
        <dd>{view.batch ?? t('receipt.notYet')}</dd>
      </dl>
      {proof ? (
        <ProofDetails t={t} view={view} proof={proof} />
      ) : (
        <p>
          <a href={view.jsonHref}>{t('receipt.json')}</a>
        </p>
      )}
      <p>
        <a href={receiptHref(view.award)}>{t('receipt.another')}</a>
      </p>
    </>
  );
}
