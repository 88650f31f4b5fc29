export const answer = 42;
// TODO: write the real plugin
