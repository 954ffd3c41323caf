// `express4` is the devDependency alias `npm:express@^4`; its API as the tests use it is
// Express 5's (`@types/express`), so the tests borrow those types.
declare module 'express4' {
  import express from 'express'
  export default express
}
