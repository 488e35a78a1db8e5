// The gallery page of BlipFunctions: lists caption rows through the app's own JSON API and shows them as a grid.
// Safe by construction: everything that comes from storage (blob names, captions, keywords, failure reasons) is
// untrusted text and only ever reaches the DOM through textContent or element properties, never as HTML.
// The Content-Security-Policy of the page allows this file and the stylesheet, nothing inline.
'use strict';

(() => {
  const pageUrl = new URL(window.location.href);

  // In Azure the page is opened as /api/gallery?code=<function key>. The key is sent on every request the page makes
  // as the x-functions-key header, never in a URL, and no request leaves this origin (see the page's CSP).
  const functionKey = pageUrl.searchParams.get('code');
  const pageSize = boundedInt(pageUrl.searchParams.get('top'), 1, 1000, 100);
  const newestLimit = 2000;

  // The search box: a word holding a slash is a folder, the start of blob names (the listing's prefix; the first such
  // word counts); every other word is a keyword the caption must have (GET /api/captions?keyword=dog&keyword=beach).
  // "holiday/ dog beach" finds the captions under holiday/ that have both "dog" and "beach".
  const searchWords = text => text.split(/\s+/).filter(Boolean);
  const searchFolder = text => searchWords(text).find(word => word.includes('/')) || '';
  const searchKeywords = text => searchWords(text).filter(word => !word.includes('/'));
  const searchParameters = text => [
    ...(searchFolder(text) ? [['prefix', searchFolder(text)]] : []),
    ...searchKeywords(text).map(word => ['keyword', word]),
  ];

  const $ = id => document.getElementById(id);
  const ui = {
    filters: $('filters'), search: $('search'), status: $('status'), order: $('order'),
    summary: $('summary'), error: $('error'), errorText: $('error-text'), retry: $('retry'),
    grid: $('grid'), empty: $('empty'), more: $('more'),
    detail: $('detail'), detailTitle: $('detail-title'), detailClose: $('detail-close'),
    detailImage: $('detail-image'), detailImageNote: $('detail-image-note'), detailStatus: $('detail-status'),
    detailCaption: $('detail-caption'), detailKeywords: $('detail-keywords'), detailFailure: $('detail-failure'),
    detailFacts: $('detail-facts'), recaption: $('recaption'), prompt: $('prompt'),
    maxNewTokens: $('max-new-tokens'), numBeams: $('num-beams'), recaptionResult: $('recaption-result'),
  };

  const statusNames = { succeeded: 'Captioned', failed: 'Failed', processing: 'In progress' };
  const state = {
    search: '', status: '', order: 'name', token: null, shown: 0, generation: 0, busy: false,
    objectUrls: new Set(), detailItem: null, detailBlob: null, detailUrl: null, opener: null, lastAction: null,
  };

  // ---- requests -------------------------------------------------------------------------------------------------

  function apiUrl(path) {
    return new URL(path, window.location.href); // relative to /api/gallery: 'captions' is /api/captions
  }

  function idPath(id) {
    return id.split('/').map(encodeURIComponent).join('/');
  }

  async function api(url, init = {}) {
    const headers = new Headers(init.headers || {});
    if (functionKey) {
      headers.set('x-functions-key', functionKey);
    }

    return fetch(url, { ...init, headers, credentials: 'omit', referrerPolicy: 'no-referrer' });
  }

  async function failure(response) {
    let detail = '';
    try {
      const problem = await response.json();
      detail = [problem.title, problem.detail].filter(Boolean).join(': ');
    } catch {
      // Not problem details; the status says enough.
    }

    if (response.status === 401 || response.status === 403) {
      detail = 'The app refused the function key. Open this page as /api/gallery?code=<function key> ' +
        '(az functionapp keys list ... --query functionKeys.default).';
    }

    return new Error(`${response.status} ${response.statusText || 'error'}${detail ? ` — ${detail}` : ''}`);
  }

  // A thumbnail or an original, as a Blob; ?v= names the version the row describes, so the browser may keep it.
  async function fetchImage(kind, item) {
    const url = apiUrl(`${kind}/${idPath(item.id)}`);
    if (item.image && item.image.eTag) {
      url.searchParams.set('v', item.image.eTag);
    }

    const response = await api(url);
    if (!response.ok) {
      throw await failure(response);
    }

    return response.blob();
  }

  async function listPage(token, top) {
    const url = apiUrl('captions');
    for (const [name, value] of searchParameters(state.search)) {
      url.searchParams.append(name, value);
    }

    if (state.status) {
      url.searchParams.set('status', state.status);
    }

    url.searchParams.set('top', String(top));
    if (token) {
      url.searchParams.set('continuationToken', token);
    }

    const response = await api(url);
    if (!response.ok) {
      throw await failure(response);
    }

    const page = await response.json();
    return { items: Array.isArray(page.items) ? page.items : [], token: page.continuationToken || null };
  }

  // ---- the grid -------------------------------------------------------------------------------------------------

  function element(tag, className, text) {
    const node = document.createElement(tag);
    if (className) {
      node.className = className;
    }

    if (text !== undefined && text !== null) {
      node.textContent = String(text);
    }

    return node;
  }

  function keywordList(keywords) {
    const list = element('ul', 'keywords');
    list.setAttribute('aria-label', 'Keywords');
    for (const word of Array.isArray(keywords) ? keywords : []) {
      list.append(element('li', null, word));
    }

    return list;
  }

  function statusOf(item) {
    return Object.hasOwn(statusNames, item.status) ? item.status : 'processing';
  }

  function card(item) {
    const status = statusOf(item);
    const li = element('li', `card status-${status}`);
    const open = element('button', 'card-open');
    open.type = 'button';
    open.dataset.id = item.id;
    open.setAttribute('aria-haspopup', 'dialog');

    const thumb = element('span', 'thumb');
    const img = element('img');
    img.alt = item.caption ? String(item.caption) : String(item.id);
    img.decoding = 'async';
    thumb.append(img);
    if (status === 'failed') {
      thumb.append(element('span', 'no-preview', 'No preview'));
      img.hidden = true;
    } else {
      watchThumbnail(img, item);
    }

    const text = element('span', 'card-text');
    const name = element('span', 'name', item.id);
    name.title = String(item.id);
    text.append(name);
    if (status === 'succeeded') {
      text.append(element('span', 'caption', item.caption), keywordList(item.keywords));
    } else if (status === 'failed') {
      text.append(element('span', 'failure', item.failureReason || 'Failed (no reason recorded).'));
    } else {
      text.append(element('span', 'busy', item.lastError ? `Being captioned; last error: ${item.lastError}` : 'Being captioned…'));
    }

    open.append(thumb, text);
    open.addEventListener('click', () => openDetail(item, open));
    li.append(open);
    return li;
  }

  // Thumbnails are fetched (with the key header) only when their card scrolls into view.
  const thumbnailObserver = 'IntersectionObserver' in window
    ? new IntersectionObserver(entries => {
      for (const entry of entries) {
        if (entry.isIntersecting) {
          thumbnailObserver.unobserve(entry.target);
          loadThumbnail(entry.target);
        }
      }
    }, { rootMargin: '400px 0px' })
    : null;
  const pendingThumbnails = new WeakMap();

  function watchThumbnail(img, item) {
    pendingThumbnails.set(img, item);
    if (thumbnailObserver) {
      thumbnailObserver.observe(img);
    } else {
      loadThumbnail(img);
    }
  }

  async function loadThumbnail(img) {
    const item = pendingThumbnails.get(img);
    if (!item) {
      return;
    }

    const generation = state.generation;
    try {
      const blob = await fetchImage('thumbnails', item);
      if (generation !== state.generation) {
        return;
      }

      const objectUrl = URL.createObjectURL(blob);
      state.objectUrls.add(objectUrl);
      img.src = objectUrl;
    } catch (error) {
      if (generation === state.generation && img.parentElement) {
        img.hidden = true;
        const note = element('span', 'no-preview', 'No preview');
        note.title = error.message;
        img.parentElement.append(note);
      }
    }
  }

  function clearGrid() {
    state.generation += 1;
    for (const url of state.objectUrls) {
      URL.revokeObjectURL(url);
    }

    state.objectUrls.clear();
    ui.grid.replaceChildren();
    state.shown = 0;
    state.token = null;
  }

  function show(items) {
    const fragment = document.createDocumentFragment();
    for (const item of items) {
      if (item && typeof item.id === 'string') {
        fragment.append(card(item));
        state.shown += 1;
      }
    }

    ui.grid.append(fragment);
  }

  function updateSummary() {
    const what = state.status ? `${statusNames[state.status].toLowerCase()} images` : 'images';
    const folder = searchFolder(state.search);
    const keywords = searchKeywords(state.search);
    const matching = (folder ? ` whose names start with “${folder}”` : '')
      + (keywords.length ? `${folder ? ' and' : ''} whose captions have ${keywords.map(word => `“${word}”`).join(', ')}` : '');
    ui.summary.textContent = state.shown === 0
      ? ''
      : `Showing ${state.shown.toLocaleString('en')} ${what}${matching}${state.token ? ' (more to load)' : ''}.`;
    ui.more.hidden = !state.token;
    ui.empty.hidden = state.shown > 0 || state.token !== null || !ui.error.hidden;
    if (state.shown === 0) {
      ui.empty.textContent = state.search || state.status
        ? 'No images match. Check the folder (the beginning of the name, case-sensitive) or the keywords, or show all images.'
        : 'No captioned images yet. Upload photos to the images container; each gets its caption within seconds.';
    }
  }

  function setBusy(busy, message) {
    state.busy = busy;
    ui.more.disabled = busy;
    ui.filters.querySelector('button[type=submit]').disabled = busy;
    if (busy && message) {
      ui.summary.textContent = message;
    }
  }

  function showError(error, action) {
    state.lastAction = action;
    ui.errorText.textContent = `Could not load the images: ${error.message}`;
    ui.error.hidden = false;
  }

  async function loadMore() {
    if (state.busy) {
      return;
    }

    const generation = state.generation;
    ui.error.hidden = true;
    setBusy(true, state.shown === 0 ? 'Loading…' : null);
    try {
      // A status filter scans the key range, so a page can come back empty with more to read: keep reading a little.
      let page = { items: [], token: state.token };
      let rounds = 0;
      do {
        page = await listPage(page.token, pageSize);
        rounds += 1;
      } while (page.items.length === 0 && page.token && rounds < 20 && generation === state.generation);

      if (generation !== state.generation) {
        return;
      }

      state.token = page.token;
      show(page.items);
    } catch (error) {
      if (generation === state.generation) {
        showError(error, loadMore);
      }
    } finally {
      if (generation === state.generation) {
        setBusy(false);
        updateSummary();
      }
    }
  }

  // Newest first needs every matching row (the table is kept in name order), so it reads them all, up to a bound.
  async function loadNewest() {
    const generation = state.generation;
    ui.error.hidden = true;
    setBusy(true, 'Loading every matching image to sort them by date…');
    try {
      const all = [];
      let token = null;
      do {
        const page = await listPage(token, 1000);
        all.push(...page.items);
        token = page.token;
      } while (token && all.length < newestLimit && generation === state.generation);

      if (generation !== state.generation) {
        return;
      }

      if (token) {
        throw new Error(`More than ${newestLimit.toLocaleString('en')} images match, too many to sort by date here. ` +
          'Narrow the search to a folder, or order by name.');
      }

      all.sort((a, b) => uploaded(b) - uploaded(a) || (a.id < b.id ? -1 : 1));
      show(all);
    } catch (error) {
      if (generation === state.generation) {
        showError(error, loadNewest);
      }
    } finally {
      if (generation === state.generation) {
        setBusy(false);
        updateSummary();
      }
    }
  }

  function uploaded(item) {
    const time = Date.parse((item.image && item.image.lastModified) || item.createdAt || '');
    return Number.isNaN(time) ? 0 : time;
  }

  function start() {
    state.busy = false;
    clearGrid();
    ui.error.hidden = true;
    ui.empty.hidden = true;
    state.search = ui.search.value.trim();
    state.status = Object.hasOwn(statusNames, ui.status.value) ? ui.status.value : '';
    state.order = ui.order.value === 'newest' ? 'newest' : 'name';
    const query = new URL(window.location.href);
    setOrDelete(query.searchParams, 'search', state.search);
    setOrDelete(query.searchParams, 'status', state.status);
    setOrDelete(query.searchParams, 'order', state.order === 'newest' ? 'newest' : '');
    window.history.replaceState(null, '', query);
    return state.order === 'newest' ? loadNewest() : loadMore();
  }

  function setOrDelete(params, name, value) {
    if (value) {
      params.set(name, value);
    } else {
      params.delete(name);
    }
  }

  // ---- the detail view ------------------------------------------------------------------------------------------

  function fact(label, value) {
    if (value === undefined || value === null || value === '') {
      return;
    }

    ui.detailFacts.append(element('dt', null, label), element('dd', null, value));
  }

  function when(text) {
    const time = Date.parse(text || '');
    return Number.isNaN(time) ? text : new Date(time).toLocaleString('en-GB', { dateStyle: 'medium', timeStyle: 'medium' });
  }

  function milliseconds(value) {
    return typeof value === 'number' ? `${value.toFixed(1)} ms` : null;
  }

  function fillDetail(item) {
    const status = statusOf(item);
    ui.detailTitle.textContent = item.id;
    ui.detailStatus.textContent = statusNames[status];
    ui.detailCaption.textContent = status === 'succeeded' ? item.caption : '';
    ui.detailKeywords.replaceChildren(...keywordList(status === 'succeeded' ? item.keywords : []).children);
    ui.detailFailure.hidden = status !== 'failed' && !item.lastError;
    ui.detailFailure.textContent = status === 'failed' ? (item.failureReason || 'Failed (no reason recorded).') : (item.lastError || '');

    ui.detailFacts.replaceChildren();
    if (typeof item.score === 'number') {
      fact('Score', `${item.score.toFixed(3)} (mean log-probability)`);
    }

    if (item.model) {
      fact('Model', `${item.model.source} (${item.model.precision})`);
    }

    if (item.decoding && typeof item.decoding === 'object') {
      fact('Decoding', Object.entries(item.decoding).map(([key, value]) => `${key} ${JSON.stringify(value)}`).join(', '));
    }

    const image = item.image || {};
    if (image.width && image.height) {
      fact('Image', `${image.width} × ${image.height} ${image.format || ''}`.trim());
    }

    if (typeof image.bytes === 'number') {
      fact('Size', `${image.bytes.toLocaleString('en')} bytes${image.contentType ? `, ${image.contentType}` : ''}`);
    }

    fact('Uploaded', when(image.lastModified));
    const t = item.timings;
    if (t) {
      fact('Timings', [['decode', t.decodeMs], ['preprocess', t.preprocessMs], ['vision', t.visionMs], ['generate', t.generateMs], ['total', t.totalMs]]
        .filter(([, v]) => typeof v === 'number').map(([k, v]) => `${k} ${milliseconds(v)}`).join(', ') + (t.steps ? `; ${t.steps} steps` : ''));
    }

    fact('Tags', item.tagsApplied ? 'caption and keywords are on the blob as index tags' : (item.tagError || (status === 'succeeded' ? 'not set' : null)));
    fact('Attempts', item.attempts);
    fact('Captioned', when(item.updatedAt));
  }

  function releaseDetailImage() {
    if (state.detailUrl) {
      URL.revokeObjectURL(state.detailUrl);
    }

    state.detailUrl = null;
    state.detailBlob = null;
    ui.detailImage.removeAttribute('src');
  }

  async function openDetail(item, opener) {
    state.detailItem = item;
    state.opener = opener;
    releaseDetailImage();
    ui.recaptionResult.replaceChildren();
    ui.detailImage.alt = item.caption ? String(item.caption) : String(item.id);
    ui.detailImageNote.textContent = '';
    fillDetail(item);
    ui.recaption.hidden = statusOf(item) === 'failed';
    if (!ui.detail.open) {
      ui.detail.showModal();
    }

    const fresh = refreshDetail(item);
    if (statusOf(item) !== 'failed') {
      await loadOriginal(item);
    } else {
      ui.detailImage.hidden = true;
      ui.detailImageNote.textContent = 'This upload could not be captioned, so it is not shown.';
    }

    await fresh;
  }

  async function refreshDetail(item) {
    try {
      const response = await api(apiUrl(`captions/${idPath(item.id)}`));
      if ((response.status === 200 || response.status === 202) && state.detailItem === item) {
        const current = await response.json();
        if (state.detailItem === item) {
          fillDetail(current);
        }
      }
    } catch {
      // The listing's copy stays on screen.
    }
  }

  async function loadOriginal(item) {
    ui.detailImage.hidden = false;
    ui.detailImageNote.textContent = 'Loading the original…';
    try {
      const blob = await fetchImage('images', item);
      if (state.detailItem !== item) {
        return;
      }

      state.detailBlob = blob;
      state.detailUrl = URL.createObjectURL(blob);
      ui.detailImage.src = state.detailUrl;
      ui.detailImageNote.textContent = `Original, ${blob.size.toLocaleString('en')} bytes.`;
    } catch (error) {
      if (state.detailItem === item) {
        ui.detailImage.hidden = true;
        ui.detailImageNote.textContent = `The original could not be shown: ${error.message}`;
      }
    }
  }

  async function captionAgain(event) {
    event.preventDefault();
    const item = state.detailItem;
    if (!item) {
      return;
    }

    const button = ui.recaption.querySelector('button[type=submit]');
    const parameters = new URLSearchParams();
    if (ui.prompt.value.trim()) {
      parameters.set('prompt', ui.prompt.value.trim());
    }

    if (ui.maxNewTokens.value) {
      parameters.set('max_new_tokens', ui.maxNewTokens.value);
    }

    if (ui.numBeams.value) {
      parameters.set('num_beams', ui.numBeams.value);
    }

    button.disabled = true;
    ui.recaptionResult.replaceChildren(element('span', 'hint', 'Captioning…'));
    try {
      const body = state.detailBlob || await fetchImage('images', item);

      const url = apiUrl('captions');
      url.search = parameters.toString();
      const response = await api(url, {
        method: 'POST',
        body,
        headers: { 'Content-Type': body.type && body.type.startsWith('image/') ? body.type : 'application/octet-stream' },
      });
      if (!response.ok) {
        throw await failure(response);
      }

      const result = await response.json();
      if (state.detailItem !== item) {
        return;
      }

      const decoding = result.decoding || {};
      const how = [
        decoding.prompt ? `prompt “${decoding.prompt}”` : 'no prompt',
        `${decoding.numBeams || 1} beam${decoding.numBeams > 1 ? 's' : ''}`,
        decoding.maxNewTokens ? `at most ${decoding.maxNewTokens} new tokens` : `max length ${decoding.maxLength}`,
        result.timings && milliseconds(result.timings.totalMs),
      ].filter(Boolean).join(' · ');
      ui.recaptionResult.replaceChildren(element('p', 'caption', result.caption), keywordList(result.keywords), element('p', 'hint', how));
    } catch (error) {
      if (state.detailItem === item) {
        ui.recaptionResult.replaceChildren(element('p', 'failure', `Could not caption it again: ${error.message}`));
      }
    } finally {
      button.disabled = false;
    }
  }

  // ---- wiring ---------------------------------------------------------------------------------------------------

  function boundedInt(text, min, max, fallback) {
    const value = Number.parseInt(text || '', 10);
    return Number.isInteger(value) && value >= min && value <= max ? value : fallback;
  }

  ui.filters.addEventListener('submit', event => {
    event.preventDefault();
    start();
  });
  ui.status.addEventListener('change', () => start());
  ui.order.addEventListener('change', () => start());
  ui.more.addEventListener('click', () => loadMore());
  ui.retry.addEventListener('click', () => {
    ui.error.hidden = true;
    (state.lastAction || loadMore)();
  });
  ui.detailClose.addEventListener('click', () => ui.detail.close());
  ui.detail.addEventListener('click', event => {
    if (event.target === ui.detail) {
      ui.detail.close(); // a click on the backdrop
    }
  });
  ui.detail.addEventListener('close', () => {
    state.detailItem = null;
    releaseDetailImage();
    if (state.opener && state.opener.isConnected) {
      state.opener.focus();
    }
  });
  ui.recaption.addEventListener('submit', captionAgain);

  ui.search.value = pageUrl.searchParams.get('search') || '';
  ui.status.value = Object.hasOwn(statusNames, pageUrl.searchParams.get('status')) ? pageUrl.searchParams.get('status') : '';
  ui.order.value = pageUrl.searchParams.get('order') === 'newest' ? 'newest' : 'name';
  start();
})();
