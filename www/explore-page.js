// explore.html: a playground with the "find a bug" panel open (?protocol=raft|paxos|…).
import { togglePanel } from './explore-panel.js';

const el = document.querySelector('cap-playground');
const protocol = new URLSearchParams(location.search).get('protocol');
if (protocol && /^[a-z0-9]{2,12}$/.test(protocol)) el.setAttribute('protocol', protocol);
customElements.whenDefined('cap-playground').then(() => el.ready).then(() => togglePanel(el));
