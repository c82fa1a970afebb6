/** Small seeded review sets for the model tests: separable by sentiment words, padded with neutral filler. */
const POSITIVE = ["최고", "재밌다", "감동적", "강추", "명작", "좋아요"];
const NEGATIVE = ["최악", "지루", "별로", "실망", "노잼", "아까움"];
const NEUTRAL = ["영화", "배우", "오늘", "스토리", "연기", "극장", "주말", "친구랑"];

function generator(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 4294967296;
  };
}

export function toyReviews(count: number, seed = 1): { texts: string[]; labels: string[] } {
  const random = generator(seed);
  const pick = (words: string[]): string => words[Math.floor(random() * words.length)] as string;
  const texts: string[] = [];
  const labels: string[] = [];
  for (let i = 0; i < count; i++) {
    const positive = i % 2 === 0;
    const words = [pick(NEUTRAL), pick(positive ? POSITIVE : NEGATIVE), pick(NEUTRAL)];
    if (random() < 0.5) words.reverse();
    texts.push(words.join(" "));
    labels.push(positive ? "1" : "0");
  }
  return { texts, labels };
}

/** Three classes for the one-vs-rest path. */
export function toyTopics(count: number, seed = 2): { texts: string[]; labels: string[] } {
  const topics: Record<string, string[]> = {
    sports: ["축구", "야구", "골", "선수"],
    food: ["맛집", "김치", "라면", "디저트"],
    tech: ["컴퓨터", "코드", "서버", "앱"],
  };
  const names = Object.keys(topics);
  const random = generator(seed);
  const texts: string[] = [];
  const labels: string[] = [];
  for (let i = 0; i < count; i++) {
    const label = names[i % names.length] as string;
    const words = topics[label] as string[];
    texts.push(
      `${words[Math.floor(random() * words.length)]} 이야기 ${words[Math.floor(random() * words.length)]}`,
    );
    labels.push(label);
  }
  return { texts, labels };
}
