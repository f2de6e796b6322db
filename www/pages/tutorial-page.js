// tutorial.html?t=NAME shows tutorials/NAME.json (a bare name only: the page loads nothing else).
const tut = document.getElementById('tut');
const name = new URLSearchParams(location.search).get('t') || 'cap-in-one-drag';
if (/^[\w-]{1,64}$/.test(name)) {
  tut.setAttribute('src', `tutorials/${name}.json`);
} else {
  customElements.whenDefined('cap-tutorial').then(() => tut.showError(
    `?t=${JSON.stringify(name.slice(0, 40))} is not a tutorial name. Accepted: a file name from tutorials/ without .json, e.g. ?t=cap-in-one-drag.`));
}
