import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { approvedEntry, as, catalogEntryBody, type Platform, startPlatform } from '../support/platform.js';

let p: Platform;
beforeAll(async () => {
  p = await startPlatform();
});
afterAll(() => p.stop());

const auditOf = async (id: string) => {
  const out = await p.rt.db.send(
    new QueryCommand({
      TableName: p.rt.tables.audit,
      KeyConditionExpression: '#r = :r',
      ExpressionAttributeNames: { '#r': 'resource' },
      ExpressionAttributeValues: { ':r': `catalog-entry/${id}` },
    }),
  );
  return out.Items ?? [];
};

describe('catalog lifecycle (Art. 6)', () => {
  it('drafts, submits and approves an entry, auditing each step', async () => {
    // Prepare / Act
    const created = await p.post('/catalog', as.transport, catalogEntryBody());
    const id = String(created.body.id);
    const submitted = await p.post(`/catalog/${id}/submit`, as.transport, { version: 1 });
    const approved = await p.post(`/catalog/${id}/review`, as.authority, { decision: 'approve', version: 2 });

    // Assess
    expect(created.status).toBe(201);
    expect(created.headers.get('location')).toBe(`/catalog/${id}`);
    expect(created.body).toMatchObject({ status: 'draft', version: 1, authorizable: false, published: null });
    expect(submitted.body).toMatchObject({ status: 'submitted', version: 2 });
    expect(approved.body).toMatchObject({ status: 'approved', version: 3, authorizable: true });
    const audit = await auditOf(id);
    expect(audit.map((a) => a.action)).toEqual(['catalog.create', 'catalog.submit', 'catalog.approve']);
    expect(audit[2]).toMatchObject({
      actor: { userId: as.authority.sub, role: 'authority', org: as.authority.org },
      before: { status: 'submitted', version: 2 },
      after: { status: 'approved', version: 3 },
    });
    expect(audit.every((a) => typeof a.requestId === 'string' && a.requestId.length > 0)).toBe(true);
  });

  it('rejects with a reason, lets the provider edit and resubmit', async () => {
    const id = String(
      (await p.post('/catalog', as.hrss, catalogEntryBody({ domain: 'employment' }))).body.id,
    );
    await p.post(`/catalog/${id}/submit`, as.hrss);

    const noReason = await p.post(`/catalog/${id}/review`, as.authority, { decision: 'reject' });
    const rejected = await p.post(`/catalog/${id}/review`, as.authority, {
      decision: 'reject',
      reason: '字段说明不完整',
    });
    const edited = await p.patch(`/catalog/${id}`, as.hrss, { description: '补充了字段说明', version: 3 });
    const resubmitted = await p.post(`/catalog/${id}/submit`, as.hrss);

    expect(noReason.status).toBe(400);
    expect(noReason.body.error).toMatchObject({ code: 'validation_failed' });
    expect(rejected.body).toMatchObject({ status: 'rejected', working: { reason: '字段说明不完整' } });
    expect(edited.status).toBe(200);
    expect(edited.body).toMatchObject({ status: 'draft', working: { description: '补充了字段说明' } });
    expect(resubmitted.body).toMatchObject({ status: 'submitted' });
  });

  it('keeps the approved version public while a changed version is under review', async () => {
    const id = await approvedEntry(p, as.health, { title: '医院名录', domain: 'medical' });

    const changed = await p.patch(`/catalog/${id}`, as.health, { title: '医院名录（新版）' });
    const publicView = await p.get(`/catalog/${id}`);
    const approvedAgain = await p.post(`/catalog/${id}/review`, as.authority, { decision: 'approve' });
    const publicAfter = await p.get(`/catalog/${id}`);

    expect(changed.body).toMatchObject({
      status: 'submitted',
      working: { revision: 2, title: '医院名录（新版）' },
    });
    expect(publicView.body).toMatchObject({
      published: { revision: 1, title: '医院名录' },
      authorizable: true,
    });
    expect(publicView.body).not.toHaveProperty('working');
    expect((publicView.body.versions as unknown[]).length).toBe(1);
    expect(approvedAgain.body).toMatchObject({ status: 'approved', published: { revision: 2 } });
    expect((publicAfter.body.versions as { revision: number }[]).map((v) => v.revision)).toEqual([1, 2]);
  });
});

describe('forbidden transitions', () => {
  it('refuses creates by non-providers and edits by another provider', async () => {
    const id = String((await p.post('/catalog', as.transport, catalogEntryBody())).body.id);

    const byOperator = await p.post('/catalog', as.operatorA, catalogEntryBody());
    const byAuthority = await p.post('/catalog', as.authority, catalogEntryBody());
    const otherProviderEdit = await p.patch(`/catalog/${id}`, as.police, { title: 'x' });
    const otherProviderSubmit = await p.post(`/catalog/${id}/submit`, as.police);
    const providerReview = await p.post(`/catalog/${id}/review`, as.transport, { decision: 'approve' });
    const anonymousCreate = await p.post('/catalog', null, catalogEntryBody());

    expect(byOperator.status).toBe(403);
    expect(byAuthority.status).toBe(403);
    expect(otherProviderEdit.status).toBe(403);
    expect(otherProviderSubmit.status).toBe(403);
    expect(providerReview.status).toBe(403);
    expect(anonymousCreate.status).toBe(401);
    expect((await auditOf(id)).map((a) => a.action)).toEqual(['catalog.create']);
  });

  it('answers 409 for a transition the state forbids', async () => {
    const id = String((await p.post('/catalog', as.transport, catalogEntryBody())).body.id);

    const reviewDraft = await p.post(`/catalog/${id}/review`, as.authority, { decision: 'approve' });
    await p.post(`/catalog/${id}/submit`, as.transport);
    const submitTwice = await p.post(`/catalog/${id}/submit`, as.transport);
    const editUnderReview = await p.patch(`/catalog/${id}`, as.transport, { title: 'y' });

    expect(reviewDraft.status).toBe(409);
    expect(submitTwice.status).toBe(409);
    expect(editUnderReview.status).toBe(409);
    expect(editUnderReview.body.error).toMatchObject({ code: 'invalid_state' });
  });

  it('answers 409 for a stale version, in the body or If-Match', async () => {
    const id = String((await p.post('/catalog', as.transport, catalogEntryBody())).body.id);
    await p.patch(`/catalog/${id}`, as.transport, { title: 'first', version: 1 });

    const staleBody = await p.patch(`/catalog/${id}`, as.transport, { title: 'second', version: 1 });
    const staleHeader = await p.patch(
      `/catalog/${id}`,
      as.transport,
      { title: 'second' },
      { 'if-match': '"1"' },
    );
    const current = await p.get(`/catalog/${id}`, as.transport);

    expect(staleBody.status).toBe(409);
    expect(staleBody.body.error).toMatchObject({ code: 'stale_version' });
    // A refused change leaves no audit event: the audit write shares the change's transaction.
    expect((await auditOf(id)).map((a) => a.action)).toEqual(['catalog.create', 'catalog.update']);
    expect(staleHeader.status).toBe(409);
    expect(current.headers.get('etag')).toBe('"2"');
    expect(current.body).toMatchObject({ working: { title: 'first' } });
  });

  it('lets exactly one of two concurrent edits win', async () => {
    const id = String((await p.post('/catalog', as.transport, catalogEntryBody())).body.id);

    const results = await Promise.all([
      p.patch(`/catalog/${id}`, as.transport, { title: 'A', version: 1 }),
      p.patch(`/catalog/${id}`, as.transport, { title: 'B', version: 1 }),
    ]);

    expect(results.map((r) => r.status).sort()).toEqual([200, 409]);
  });
});

describe('validation and edge errors', () => {
  it('lists every invalid field', async () => {
    const res = await p.post('/catalog', as.transport, {
      ...catalogEntryBody(),
      domain: 'astrology',
      dataItems: [],
      title: '',
    });

    expect(res.status).toBe(400);
    const paths = (res.body.error as { details: { path: string }[] }).details.map((d) => d.path);
    expect(paths).toEqual(expect.arrayContaining(['body.domain', 'body.dataItems', 'body.title']));
  });

  it('answers 400 for malformed JSON, 415 for a non-JSON body, 413 for a huge one', async () => {
    const malformed = await p.request('POST', '/catalog', as.transport, '{"title":', {
      'content-type': 'application/json',
    });
    const wrongType = await p.request('POST', '/catalog', as.transport, 'title=x', {
      'content-type': 'text/plain',
    });
    const huge = await p.post('/catalog', as.transport, {
      ...catalogEntryBody(),
      description: 'x'.repeat(300_000),
    });

    expect(malformed.status).toBe(400);
    expect(wrongType.status).toBe(415);
    expect(huge.status).toBe(413);
  });

  it('rejects a bad token with 401 and a bad id with 400, an unknown id with 404', async () => {
    const badToken = await p.request('POST', '/catalog', null, catalogEntryBody(), {
      authorization: 'Bearer not.a.jwt',
    });
    const badId = await p.get('/catalog/nope');
    const unknown = await p.get('/catalog/ce_0000000000000000000000000');

    expect(badToken.status).toBe(401);
    expect(badId.status).toBe(400);
    expect(unknown.status).toBe(404);
  });
});

describe('idempotent create', () => {
  it('returns the first result for a retried create, never a duplicate', async () => {
    const headers = { 'idempotency-key': 'create-entry-42' };
    const body = catalogEntryBody({ title: '幂等测试' });

    const [a, b] = await Promise.all([
      p.post('/catalog', as.police, body, headers),
      p.post('/catalog', as.police, body, headers),
    ]);
    const c = await p.post('/catalog', as.police, body, headers);
    const reused = await p.post('/catalog', as.police, { ...body, title: '别的' }, headers);
    const mine = await p.get('/catalog?scope=mine&q=%E5%B9%82%E7%AD%89', as.police);

    expect(a.status).toBe(201);
    expect(b.status).toBe(201);
    expect(b.body.id).toBe(a.body.id);
    expect(c.body.id).toBe(a.body.id);
    expect(c.headers.get('idempotent-replayed')).toBe('true');
    expect(reused.status).toBe(409);
    expect((mine.body.items as unknown[]).length).toBe(1);
  });
});

describe('Art. 8 restrictions and visibility', () => {
  it('never makes a restricted entry authorizable and hides state secrets from the public', async () => {
    const secret = await approvedEntry(p, as.police, {
      title: '涉密数据',
      restrictions: { stateSecret: true, publicSafety: false, closedByLaw: false },
    });
    const safety = await approvedEntry(p, as.police, {
      title: '公共安全数据',
      restrictions: { stateSecret: false, publicSafety: true, closedByLaw: false },
    });
    const closed = await approvedEntry(p, as.police, {
      title: '法定不开放',
      restrictions: { stateSecret: false, publicSafety: false, closedByLaw: true },
    });

    const publicSecret = await p.get(`/catalog/${secret}`);
    const ownerSecret = await p.get(`/catalog/${secret}`, as.police);
    const regulatorSecret = await p.get(`/catalog/${secret}`, as.regulator);
    const otherProviderSecret = await p.get(`/catalog/${secret}`, as.transport);
    const publicList = await p.get(`/catalog?provider=${as.police.org}&limit=100`);

    expect(publicSecret.status).toBe(404);
    expect(otherProviderSecret.status).toBe(404);
    expect(ownerSecret.body).toMatchObject({ authorizable: false, status: 'approved' });
    expect(regulatorSecret.status).toBe(200);
    for (const id of [safety, closed]) {
      expect((await p.get(`/catalog/${id}`)).body).toMatchObject({ authorizable: false });
    }
    const listed = (publicList.body.items as { id: string }[]).map((i) => i.id);
    expect(listed).toContain(safety);
    expect(listed).not.toContain(secret);
  });
});

describe('Art. 8 flags survive edits', () => {
  it('keeps the flags on a partial edit and never discloses a revision approved as a state secret', async () => {
    // Prepare: an approved state secret.
    const id = await approvedEntry(p, as.police, {
      title: '涉密名录',
      restrictions: { stateSecret: true, publicSafety: false, closedByLaw: false },
    });

    // Act: a title-only edit, approved; then declassification, approved.
    await p.patch(`/catalog/${id}`, as.police, { title: '涉密名录（修订）' });
    await p.post(`/catalog/${id}/review`, as.authority, { decision: 'approve' });
    const afterTitleEdit = await p.get(`/catalog/${id}`, as.police);
    const publicAfterTitleEdit = await p.get(`/catalog/${id}`);
    await p.patch(`/catalog/${id}`, as.police, { restrictions: { stateSecret: false } });
    await p.post(`/catalog/${id}/review`, as.authority, { decision: 'approve' });
    const publicAfterDeclassification = await p.get<{ versions: { revision: number }[] }>(`/catalog/${id}`);

    // Assess
    expect(afterTitleEdit.body).toMatchObject({
      authorizable: false,
      published: { title: '涉密名录（修订）', restrictions: { stateSecret: true } },
    });
    expect(publicAfterTitleEdit.status).toBe(404);
    expect(publicAfterDeclassification.status).toBe(200);
    expect(publicAfterDeclassification.body.versions.map((v) => v.revision)).toEqual([3]);
  });
});

describe('hostile input', () => {
  it('answers 400, never 500, for forged cursors and undecodable path segments', async () => {
    const forged = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');

    const wrongKeys = await p.get(`/catalog?cursor=${forged({ pk: 'x' })}`);
    const wrongTypes = await p.get(`/catalog?cursor=${forged({ pk: 1, sk: 2, listing: 3, listingSort: 4 })}`);
    const badPath = await p.get('/catalog/%E0%A4%A');

    expect(wrongKeys.status).toBe(400);
    expect(wrongTypes.status).toBe(400);
    expect(badPath.status).toBe(400);
  });
});

describe('listing', () => {
  it('pages through approved entries with a cursor and filters them', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      ids.push(
        await approvedEntry(p, as.transport, {
          title: `分页条目${i}`,
          domain: 'meteorology',
          openness: i % 2 ? 'conditional' : 'unconditional',
        }),
      );
    }
    await p.post('/catalog', as.transport, catalogEntryBody({ title: '草稿不公开', domain: 'meteorology' }));

    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const page: { status: number; body: { items: { id: string }[]; nextCursor: string | null } } =
        await p.get(`/catalog?domain=meteorology&limit=2${cursor ? `&cursor=${cursor}` : ''}`);
      expect(page.status).toBe(200);
      seen.push(...page.body.items.map((i) => i.id));
      cursor = page.body.nextCursor;
      pages++;
    } while (cursor);
    const open = await p.get<{ items: { id: string }[] }>(
      '/catalog?domain=meteorology&openness=unconditional',
    );
    await p.rt.settle(); // the search index follows the approvals' events
    const text = await p.get<{ items: { id: string }[] }>(`/catalog?q=${encodeURIComponent('分页条目3')}`);
    const important = await p.get<{ items: { id: string }[] }>(
      '/catalog?domain=meteorology&classification=important',
    );
    const general = await p.get<{ items: { id: string }[] }>(
      '/catalog?domain=meteorology&classification=general&limit=100',
    );
    const badCursor = await p.get('/catalog?cursor=garbage');

    expect(pages).toBe(3);
    expect(seen.sort()).toEqual([...ids].sort());
    expect(open.body.items.map((i) => i.id).sort()).toEqual([ids[0], ids[2], ids[4]].sort());
    expect(text.body.items.map((i) => i.id)).toEqual([ids[3]]);
    expect(important.body.items).toEqual([]);
    expect(general.body.items.map((i) => i.id).sort()).toEqual([...ids].sort());
    expect(badCursor.status).toBe(400);
  });

  it('shows a provider its own drafts, the authority everything, and refuses other scopes', async () => {
    const draft = String(
      (await p.post('/catalog', as.health, catalogEntryBody({ title: '卫健草稿' }))).body.id,
    );

    const mine = await p.get<{ items: { id: string }[] }>('/catalog?scope=mine&status=draft', as.health);
    const all = await p.get<{ items: { id: string }[] }>(
      `/catalog?provider=${as.health.org}&status=draft&limit=100`,
      as.authority,
    );
    const otherMine = await p.get<{ items: { id: string }[] }>('/catalog?scope=mine', as.transport);
    const publicAll = await p.get('/catalog?scope=all');
    const operatorMine = await p.get('/catalog?scope=mine', as.operatorA);

    expect(mine.body.items.map((i) => i.id)).toContain(draft);
    expect(all.body.items.map((i) => i.id)).toContain(draft);
    expect(otherMine.body.items.map((i) => i.id)).not.toContain(draft);
    expect(publicAll.status).toBe(403);
    expect(operatorMine.status).toBe(403);
  });
});

describe('reference data and API description', () => {
  it('serves the 19 priority domains with labels and an OpenAPI 3.1 document', async () => {
    const domains = await p.get<{ items: { code: string; zh: string; en: string }[] }>('/meta/domains');
    const doc = await p.get<{
      openapi: string;
      paths: Record<string, Record<string, { operationId: string }>>;
    }>('/openapi.json');

    expect(domains.body.items.filter((d) => d.code !== 'other')).toHaveLength(19);
    expect(domains.body.items.find((d) => d.code === 'transport')).toEqual({
      code: 'transport',
      zh: '交通',
      en: 'Transport',
    });
    expect(doc.body.openapi).toBe('3.1.0');
    expect(doc.body.paths['/catalog']?.post?.operationId).toBe('createCatalogEntry');
  });
});
