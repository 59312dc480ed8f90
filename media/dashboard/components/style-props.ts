// Lit's own `styleMap` writes a `style="…"` attribute on first render, which the page's CSP (no
// 'unsafe-inline' in style-src) blocks. This directive sets the same properties through CSSOM
// (`element.style.setProperty`), which CSP allows, and only those that changed.
import { noChange } from 'lit';
import { Directive, directive, PartType, type ElementPart, type PartInfo } from 'lit/directive.js';

type StyleProps = Readonly<Record<string, string>>;

class StylePropsDirective extends Directive {
  private previous: StyleProps = {};

  constructor(part: PartInfo) {
    super(part);
    if (part.type !== PartType.ELEMENT) throw new Error('styleProps() belongs on an element: <div ${styleProps({ width: "50%" })}>');
  }

  render(_props: StyleProps): typeof noChange {
    return noChange;
  }

  override update(part: ElementPart, [props]: [StyleProps]): typeof noChange {
    const { style } = part.element as HTMLElement | SVGElement;
    for (const [name, value] of Object.entries(props)) if (this.previous[name] !== value) style.setProperty(name, value);
    for (const name of Object.keys(this.previous)) if (!(name in props)) style.removeProperty(name);
    this.previous = props;
    return noChange;
  }
}

/** `<div ${styleProps({ width: '40%', left: '10%' })}>`: CSS property names, hyphenated. */
export const styleProps = directive(StylePropsDirective);
