/** The public endpoint of re:Post Private in a region. */
export function publicRepostspaceEndpoint(region: string): string {
  return `https://repostspace.${region}.amazonaws.com`;
}
