/** A component ID `type[/name]`, parsed once and validated (as the Collector's component.ID). */
export class ComponentId {
  private constructor(
    readonly type: string,
    readonly name: string,
  ) {}

  static parse(text: string): ComponentId {
    const slash = text.indexOf('/');
    const type = slash < 0 ? text : text.slice(0, slash);
    const name = slash < 0 ? '' : text.slice(slash + 1);
    if (!TYPE.test(type)) {
      throw new Error(`invalid component ID "${text}": the type must start with a letter and hold only letters, digits and "_"`);
    }
    if (slash >= 0 && !NAME.test(name)) {
      throw new Error(`invalid component ID "${text}": the name after "/" must be non-empty letters, digits, "_", "-" or "."`);
    }
    return new ComponentId(type, name);
  }

  toString(): string {
    return this.name === '' ? this.type : `${this.type}/${this.name}`;
  }
}

const TYPE = /^[A-Za-z][A-Za-z0-9_]{0,62}$/;
const NAME = /^[A-Za-z0-9_.\-]{1,1024}$/;
