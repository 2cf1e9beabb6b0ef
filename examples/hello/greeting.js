// The sample app's one piece of logic, kept apart so the unit test can check it.
export function greeting(host, version) {
  return `hello from ${host}, running version ${version}`;
}
