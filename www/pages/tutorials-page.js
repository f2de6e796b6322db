// The tutorial list: tutorials/index.json names the files; titles and descriptions come from them
// (as text, never markup).
const list = document.getElementById('list');
const li = (...kids) => { const e = document.createElement('li'); e.append(...kids); return e; };
try {
  const names = await (await fetch('tutorials/index.json')).json();
  const items = await Promise.all(names.map(async (n) => {
    const t = await (await fetch(`tutorials/${n}.json`)).json();
    const a = document.createElement('a');
    a.href = `tutorial.html?t=${encodeURIComponent(n)}`;
    a.textContent = t.title;
    a.dataset.tutorial = n;
    const p = document.createElement('p');
    p.textContent = t.description || '';
    return li(a, p);
  }));
  list.replaceChildren(...items);
} catch (e) {
  list.replaceChildren(li(`Could not load the tutorial list (${e.message}).`));
}
