import { redirect } from "next/navigation";
import { currentSession } from "./current-user";

export default async function Home() {
  redirect((await currentSession()) ? "/dashboard" : "/login");
}
