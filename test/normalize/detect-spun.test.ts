import { describe, expect, it } from 'vitest';
import { SPUN_MIN_DISTINCT, detectSpun, findSpunTerms, restoreSpun } from '../../src/normalize/detect-spun.js';
import { matchForm } from '../../src/normalize/fold-width.js';
import { htmlToText } from '../../src/publish/sanitize-html.js';
import { SPUN_TERMS } from '../../src/normalize/spun-terms.js';
import { gnePresent, loadGnePages, loadSeeds, seedsPresent } from './seed-corpus.js';

describe('findSpunTerms: seed 001 lines', () => {
  it.each([
    ['三亿体育7月22日,新疆尔自治区、科学手艺部、中国科学院创新、深圳市“四方合营”就业推动会正在乌鲁木齐召开。崔志坚摄', ['科学手艺部', '合营', '就业推动会']],
    ['自治区党委副书记、自治区主席艾尔肯·吐尼亚孜,自治区党委副书记、兵团政委李邑飞,自治区党委副书记张春林、何忠友出席集会。科学手艺部党构成员、副部长吴朝晖主办集会。', ['出席集会', '科学手艺部', '党构成员', '主办集会']],
    ['会上,艾尔肯·吐尼亚孜、薛斌阔别先容了自治区、兵团深化“四方合营”成效,并就进一步增强科技立异合营、更好撑持引颈新疆高质地生长提出创议创新。', ['阔别先容', '合营', '立异', '撑持', '引颈', '高质地']],
  ])('%s', (line, spun) => {
    expect(findSpunTerms(line).map((t) => t.spun).sort()).toEqual([...spun].sort());
  });

  it('finds spun forms written in Traditional script', () => {
    expect(findSpunTerms('科學手藝部推動科技立異').map((t) => t.spun)).toEqual(['科学手艺部', '立异']);
  });
});

describe('detectSpun', () => {
  it(`flags ${SPUN_MIN_DISTINCT} distinct spun forms and not fewer`, () => {
    expect(detectSpun('中外合营企业发展良好。传统手艺得到传承。').spun).toBe(false);
    expect(detectSpun('中外合营企业发展良好。传统手艺得到传承。推动科技立异。').spun).toBe(true);
  });

  it('flags seed 001 and none of the genuine seeds', () => {
    if (!seedsPresent) return;
    for (const seed of loadSeeds()) {
      const r = detectSpun(`${seed.title}\n${seed.text}`);
      expect(r.spun, seed.file).toBe(seed.file.startsWith('001'));
      if (!r.spun) expect(r.terms, seed.file).toEqual([]);
    }
  });

  it('finds no spun form in the GNE news pages', () => {
    if (!gnePresent) return;
    for (const page of loadGnePages()) expect(findSpunTerms(htmlToText(page.html)), page.file).toEqual([]);
  });
});

describe('restoreSpun', () => {
  it.each([
    ['科学手艺部', '科学技术部'],
    ['新疆尔自治区、科学手艺部、中国科学院、深圳市“四方合营”就业推动会', '新疆尔自治区、科学技术部、中国科学院、深圳市“四方合作”工作推进会'],
    ['推动科技立异', '推动科技创新'],
    ['深度融入“一带一块”', '深度融入“一带一路”'],
  ])('%s', (spun, original) => {
    expect(restoreSpun(matchForm(spun))).toBe(original);
  });

  it('maps every table entry to its original', () => {
    for (const term of SPUN_TERMS) expect(restoreSpun(term.spun), term.spun).toBe(term.original);
  });
});
