// Search as you type for the explorer's search box: suggestions from
// /v1/search under the box, as an ARIA combobox (arrow keys move through
// them, Enter opens the one chosen, Escape closes them). Without this
// script the box still works: the form goes to /search, which opens the
// page of what the query names exactly.
(() => {
  'use strict';
  const form = document.querySelector('form.search');
  const input = form && form.querySelector('input[name=q]');
  if (!input) return;

  const list = document.createElement('ul');
  list.id = 'search-suggestions';
  list.className = 'suggestions';
  list.setAttribute('role', 'listbox');
  list.setAttribute('aria-label', 'Names found');
  list.hidden = true;
  const status = document.createElement('div');
  status.className = 'visually-hidden';
  status.setAttribute('role', 'status');
  form.append(list, status);
  input.setAttribute('role', 'combobox');
  input.setAttribute('aria-autocomplete', 'list');
  input.setAttribute('aria-controls', list.id);
  input.setAttribute('aria-expanded', 'false');
  input.setAttribute('autocomplete', 'off');

  let timer = 0;
  let pending = null; // the AbortController of the request in flight
  let active = -1;

  const options = () => Array.from(list.children);

  function close() {
    list.hidden = true;
    list.replaceChildren();
    active = -1;
    input.setAttribute('aria-expanded', 'false');
    input.removeAttribute('aria-activedescendant');
  }

  function choose(i) {
    const opts = options();
    opts.forEach((o, j) => o.setAttribute('aria-selected', String(j === i)));
    active = i;
    if (i >= 0) {
      input.setAttribute('aria-activedescendant', opts[i].id);
      opts[i].scrollIntoView({ block: 'nearest' });
    } else {
      input.removeAttribute('aria-activedescendant');
    }
  }

  function show(results) {
    close();
    results.forEach((r, i) => {
      const li = document.createElement('li');
      li.id = `search-suggestion-${i}`;
      li.setAttribute('role', 'option');
      li.setAttribute('aria-selected', 'false');
      const a = document.createElement('a');
      a.href = `/name/${encodeURIComponent(r.fullyQualifiedName)}`;
      a.tabIndex = -1; // the box keeps the focus; arrows move the choice
      a.textContent = r.fullyQualifiedName;
      const note = document.createElement('span');
      note.className = 'muted';
      note.textContent = r.kind === 'subdomain' ? ' subdomain' : (r.status === 'registered' ? '' : ` ${r.status}`);
      a.append(note);
      li.append(a);
      list.append(li);
    });
    list.hidden = results.length === 0;
    input.setAttribute('aria-expanded', String(results.length > 0));
    status.textContent = results.length === 0 ? 'No names found' : `${results.length} names found`;
  }

  async function suggest(q) {
    if (pending) pending.abort();
    pending = new AbortController();
    try {
      const resp = await fetch(`/v1/search?query=${encodeURIComponent(q)}`, { signal: pending.signal });
      if (!resp.ok) { close(); return; } // 503 while the index is built: the form still works
      const body = await resp.json();
      if (input.value.trim().toLowerCase() === q) show(body.results || []);
    } catch (e) {
      if (e.name !== 'AbortError') close();
    }
  }

  input.addEventListener('input', () => {
    clearTimeout(timer);
    const q = input.value.trim().toLowerCase();
    if (q === '') { if (pending) pending.abort(); close(); return; }
    // Wait for a pause in typing: one request per word, not per letter.
    timer = setTimeout(() => suggest(q), 150);
  });

  input.addEventListener('keydown', e => {
    const n = options().length;
    if (e.key === 'ArrowDown' && n > 0) {
      e.preventDefault();
      choose((active + 1) % n);
    } else if (e.key === 'ArrowUp' && n > 0) {
      e.preventDefault();
      choose(active <= 0 ? n - 1 : active - 1);
    } else if (e.key === 'Enter' && active >= 0) {
      e.preventDefault();
      window.location.assign(options()[active].querySelector('a').href);
    } else if (e.key === 'Escape' && !list.hidden) {
      e.preventDefault();
      close();
    }
  });

  // Pressing on a suggestion must not take the focus from the box (which
  // would close the list before the click lands): its link is followed.
  list.addEventListener('mousedown', e => e.preventDefault());
  input.addEventListener('blur', close);
})();
