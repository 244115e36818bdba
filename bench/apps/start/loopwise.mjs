// A compiled one-route loopwise app as a user ships it: plain JS importing the built package
// (`loopwise` resolves to this repo's dist/ through its package.json exports).
import { App } from 'loopwise';

const app = new App();
app.get('/json', {}, () => ({ message: 'hello' }));
await app.listen({ port: Number(process.env.PORT) });
