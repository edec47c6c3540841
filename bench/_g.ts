import { benchGateway } from './gateway.ts';
for (const r of await benchGateway()) console.log(r.name.slice(0, 60), r.value, r.note);
